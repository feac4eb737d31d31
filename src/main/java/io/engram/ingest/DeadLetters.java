package io.engram.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes unusable records to the dead-letter topic: the original key and value byte for byte,
 * with the {@code engram.error.*} headers of CONTRACT.md. Sends are asynchronous;
 * {@link #awaitAll()} returns once every dead letter since the last call is acknowledged, and
 * must be called before the offsets of those records are committed.
 */
final class DeadLetters {

    static final String REASON = "engram.error.reason";
    static final String MESSAGE = "engram.error.message";
    static final String TOPIC = "engram.error.topic";
    static final String PARTITION = "engram.error.partition";
    static final String OFFSET = "engram.error.offset";

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final List<Future<RecordMetadata>> pending = new ArrayList<>();

    DeadLetters(Producer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    void send(ConsumerRecord<byte[], byte[]> original, Rejection rejection) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, utf8(rejection.reason().code()));
        headers.add(MESSAGE, utf8(rejection.message()));
        headers.add(TOPIC, utf8(original.topic()));
        headers.add(PARTITION, utf8(Integer.toString(original.partition())));
        headers.add(OFFSET, utf8(Long.toString(original.offset())));
        pending.add(producer.send(new ProducerRecord<>(topic, null, original.key(), original.value(), headers)));
    }

    /** Waits for every pending dead letter; throws the first failure. */
    void awaitAll() throws ExecutionException, InterruptedException {
        if (pending.isEmpty()) {
            return;
        }
        producer.flush();
        try {
            for (Future<RecordMetadata> future : pending) {
                future.get();
            }
        } finally {
            pending.clear();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
