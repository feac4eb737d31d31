package io.engram.cli;

import io.engram.data.FashionMnist;
import io.engram.data.TaskStream;
import io.engram.broker.KafkaClients;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Turns a benchmark task stream into Engram records (per task: eval examples, train examples,
 * task_end) and produces them to Kafka with a progress bar.
 */
final class StreamProducer {

    private StreamProducer() {
    }

    /** The records of a benchmark stream, in order. */
    static List<byte[]> records(FashionMnist data, TaskStream stream, int evalPerTask) {
        List<byte[]> records = new ArrayList<>();
        float[] x = new float[FashionMnist.PIXELS];
        for (int t = 0; t < stream.tasks(); t++) {
            String task = stream.kind() + "-" + String.format(Locale.ROOT, "%02d", t);
            int evalCount = Math.min(evalPerTask, data.testImages().length);
            for (int i = 0; i < evalCount; i++) {
                stream.transform(data.testImages()[i], t, x);
                records.add(example(task, x, data.testLabels()[i], "eval"));
            }
            for (int index : stream.trainIndices(t)) {
                stream.transform(data.trainImages()[index], t, x);
                records.add(example(task, x, data.trainLabels()[index], "train"));
            }
            records.add(("{\"type\":\"task_end\",\"task\":\"" + task + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    private static byte[] example(String task, float[] x, int label, String split) {
        StringBuilder b = new StringBuilder(x.length * 6 + 64);
        b.append("{\"task\":\"").append(task).append("\",\"split\":\"").append(split).append("\",\"y\":").append(label).append(",\"x\":[");
        for (int i = 0; i < x.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            float v = x[i];
            if (v == 0f) {
                b.append('0');
            } else {
                b.append(Math.round(v * 1000) / 1000.0);
            }
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Produces every record with {@code key}; at most {@code ratePerSecond} records a second when positive. */
    static void produce(KafkaClients clients, String topic, String key, List<byte[]> records, double ratePerSecond, PrintStream progress)
            throws Exception {
        produce(clients, topic, key, records, ratePerSecond, progress, false);
    }

    /**
     * The JSON records as Avro binary of schemas/example.avsc.
     *
     * @throws IllegalArgumentException naming the record (1-based) that does not fit the schema
     */
    static List<byte[]> toAvro(List<byte[]> json) {
        com.fasterxml.jackson.databind.ObjectMapper mapper = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
        List<byte[]> avro = new ArrayList<>(json.size());
        for (int i = 0; i < json.size(); i++) {
            try {
                avro.add(io.engram.ingest.AvroRecords.encode(mapper.readTree(json.get(i))));
            } catch (java.io.IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("record " + (i + 1) + " cannot be written as Avro: " + e.getMessage(), e);
            }
        }
        return avro;
    }

    /**
     * Produces every record with {@code key}, as Avro binary (header {@code content-type:
     * application/avro}) when {@code avro}; at most {@code ratePerSecond} records a second when positive.
     */
    static void produce(KafkaClients clients, String topic, String key, List<byte[]> records, double ratePerSecond, PrintStream progress,
            boolean avro) throws Exception {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        List<org.apache.kafka.common.header.Header> headers = avro
                ? List.of(new org.apache.kafka.common.header.internals.RecordHeader(io.engram.ingest.AvroRecords.CONTENT_TYPE,
                        io.engram.ingest.AvroRecords.AVRO.getBytes(StandardCharsets.UTF_8)))
                : List.of();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("engram-feed")) {
            for (int i = 0; i < records.size(); i++) {
                producer.send(new ProducerRecord<>(topic, null, k, records.get(i), headers));
                if (ratePerSecond > 0) {
                    long due = start + (long) (i / ratePerSecond * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                if (i % 500 == 0 || i == records.size() - 1) {
                    progress.print("\r" + Progress.bar("producing", i + 1, records.size(), (i + 1) / ((System.nanoTime() - start) / 1e9), ""));
                }
            }
            producer.flush();
        }
        progress.println();
    }
}
