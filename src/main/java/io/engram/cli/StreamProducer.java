package io.engram.cli;

import io.engram.bench.FashionMnist;
import io.engram.bench.TaskStream;
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
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("engram-feed")) {
            for (int i = 0; i < records.size(); i++) {
                producer.send(new ProducerRecord<>(topic, k, records.get(i)));
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
