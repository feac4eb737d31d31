package io.engram.support;

import io.engram.broker.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** Producing to and reading from a real broker in tests. */
public final class TestRecords {

    private TestRecords() {
    }

    public static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends each value with {@code key} and returns the offset each landed at. */
    public static List<Long> produce(KafkaClients clients, String topic, String key, List<byte[]> values) {
        List<Long> offsets = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("test-producer")) {
            for (byte[] value : values) {
                offsets.add(producer.send(new ProducerRecord<>(topic, utf8(key), value)).get(30, TimeUnit.SECONDS).offset());
            }
        } catch (Exception e) {
            throw new AssertionError("could not produce to " + topic, e);
        }
        return offsets;
    }

    /** Produces {@code values} keyed {@code key} in chunks of 200, waiting for each chunk, not each record. */
    public static void produceAll(KafkaClients clients, String topic, String key, List<byte[]> values) {
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("test-producer")) {
            for (int from = 0; from < values.size(); from += 200) {
                List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
                for (byte[] value : values.subList(from, Math.min(values.size(), from + 200))) {
                    sent.add(producer.send(new ProducerRecord<>(topic, utf8(key), value)));
                }
                producer.flush();
                for (java.util.concurrent.Future<?> f : sent) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
        } catch (Exception e) {
            throw new AssertionError("could not produce to " + topic, e);
        }
    }

    /** Reads a whole topic (every partition, from the beginning, committed data only). */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaClients clients, String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("test-reader-" + System.nanoTime(), "test-reader")) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
