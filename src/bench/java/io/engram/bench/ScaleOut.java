package io.engram.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.engram.broker.EmbeddedKafkaBroker;
import io.engram.broker.KafkaClients;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * {@code ./engram bench scale-out}: what partitions and instances buy, through packaged services (separate
 * JVMs) on one broker this JVM starts. Permuted Fashion-MNIST train examples (JSON, 784 inputs), ER at its
 * defaults, no consolidation (as in {@code bench e2e}):
 * <ol>
 *   <li>one instance, one model on one partition;
 *   <li>one instance, two models on two partitions (the same examples, half each);
 *   <li>two instances in one group, two models on two partitions;
 *   <li>snapshot and restore of one model with the default network and a full default buffer (5120): the
 *       hand-over snapshot a SIGTERM writes, then a fresh instance restoring it from {@code engram.state}.
 * </ol>
 * Each throughput run puts a warm-up on the topic before the measured records ({@code --warmup}, twice
 * {@code --examples} by default: start-up and JIT compilation), and the rate is examples learned per second
 * over the measured records (read from {@code /api/status}); the warm-up's rate is printed as the cold-start one. Snapshot and restore figures
 * come from the services' logs. {@code --format avro} sends the same examples as Avro binary (as {@code bench e2e}); {@code --look-ms N}
 * looks at the services' counts every N ms instead of the default schedule ({@link Looks}).
 */
public final class ScaleOut {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int PARTITIONS = 2;
    /** The headers the records carry (content-type for Avro). */
    private static List<org.apache.kafka.common.header.Header> headers = List.of();
    /** A fixed interval between looks at the services' counts, or 0 for {@link Looks}. */
    private static long lookMillis;

    private ScaleOut() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = BenchOptions.parse("engram bench scale-out", List.of("examples", "warmup", "configs", "format", "look-ms", "out"), args);
        // --configs: a comma list of one-model, two-models, two-instances, restore (all by default)
        List<String> configs = List.of(o.getOrDefault("configs", "one-model,two-models,two-instances,restore").split(","));
        int examples = Integer.parseInt(o.getOrDefault("examples", "6000"));
        List<byte[]> records = EndToEnd.permutedJson(examples);
        boolean avro = EndToEnd.avro(o); // --format json (default) or avro
        if (avro) {
            records = EndToEnd.toAvro(records);
        }
        headers = EndToEnd.headers(avro);
        lookMillis = Long.parseLong(o.getOrDefault("look-ms", "0")); // 0: adaptive (Looks); N: every N ms, as sessions before 6 did (50)
        // examples learned before the rate is measured: start-up and JIT compilation, which went on for over 20 s of
        // ER on the 2 cores here (learner-only leaves them out with a warm-up run)
        List<byte[]> warmup = EndToEnd.cycled(records, Integer.parseInt(o.getOrDefault("warmup", Integer.toString(2 * examples))));
        Path root = Files.createTempDirectory("engram-scale-out");
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("examples", records.size());
        results.put("format", avro ? "avro" : "json");
        results.put("processors", Runtime.getRuntime().availableProcessors());
        boolean done = false;
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(root.resolve("broker"), 0).start()) {
            KafkaClients clients = new KafkaClients(broker.bootstrapServers(), Map.of(), 10_000);
            List<String> keys = keysOnDistinctPartitions();
            results.put("warmup_examples", warmup.size());
            double one = configs.contains("one-model")
                    ? throughput(broker, clients, root, "one-model", List.of(keys.get(0)), 1, warmup, records, results) : Double.NaN;
            double two = configs.contains("two-models")
                    ? throughput(broker, clients, root, "two-models", keys, 1, warmup, records, results) : Double.NaN;
            double twoInstances = configs.contains("two-instances")
                    ? throughput(broker, clients, root, "two-instances", keys, 2, warmup, records, results) : Double.NaN;
            results.put("one_instance_one_model_per_s", one);
            results.put("one_instance_two_models_per_s", two);
            results.put("two_instances_two_models_per_s", twoInstances);
            results.put("two_models_vs_one", two / one);
            results.put("two_instances_vs_one", twoInstances / two);
            System.err.printf("one instance: 1 model %.0f/s, 2 models on 2 partitions %.0f/s (%.2fx); two instances, 2 models %.0f/s "
                    + "(%.2fx one instance)%n", one, two, two / one, twoInstances, twoInstances / two);
            if (configs.contains("restore")) {
                results.putAll(snapshotAndRestore(broker, clients, root, records));
            }
            done = true;
        } finally {
            BenchOptions.deleteTree(root.resolve("broker"));
            if (done) {
                BenchOptions.deleteTree(root); // the services' folders and logs are kept when the bench failed
            }
        }
        Path out = Path.of(o.getOrDefault("out", "target/bench/scale-out.json"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        JSON.enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), results);
        System.err.println("Wrote " + out);
    }

    /** Two model ids the default partitioner puts on partitions 0 and 1. */
    private static List<String> keysOnDistinctPartitions() {
        String[] found = new String[PARTITIONS];
        for (int i = 0; found[0] == null || found[1] == null; i++) {
            String id = "model-" + i;
            int p = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            if (found[p] == null) {
                found[p] = id;
            }
        }
        return List.of(found);
    }

    /** Examples learned per second by {@code instances} services on {@code records}, split evenly over {@code models}. */
    private static double throughput(EmbeddedKafkaBroker broker, KafkaClients clients, Path root, String label, List<String> models,
            int instances, List<byte[]> warmup, List<byte[]> records, Map<String, Object> results) throws Exception {
        List<Service> services = new ArrayList<>();
        try {
            // a backlog before the services start (their rate, not the producer's): the warm-up, then the measured part.
            // With two instances the first to join takes both partitions and hands one over when the second joins: the
            // warm-up covers that too, and each instance ends with one partition (printed below)
            produce(clients, label, models, warmup);
            produce(clients, label, models, records);
            for (int i = 0; i < instances; i++) {
                services.add(Service.start(root.resolve(label + "-" + i), broker.bootstrapServers(), label + ".", Map.of()));
            }
            for (Service s : services) {
                s.awaitRunning();
            }
            // the rate is that of the measured part, timed from the sample that sees the warm-up learned
            long coldStart = 0;
            long first = 0;
            long firstCount = 0;
            long total = (long) warmup.size() + records.size();
            Looks looks = new Looks();
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (true) {
                long trained = 0;
                for (Service s : services) {
                    trained += s.trained();
                }
                long now = System.nanoTime();
                if (coldStart == 0 && trained > 0) {
                    coldStart = now;
                }
                if (first == 0 && trained >= warmup.size()) {
                    first = now; // the count at this moment is exact, however long since the last look
                    firstCount = trained;
                }
                if (trained >= total) {
                    break;
                }
                if (now > deadline) {
                    throw new IllegalStateException(label + ": only " + trained + " of " + total + " learned in 10 minutes");
                }
                long next = looks.next(trained, now, first == 0 ? warmup.size() : total);
                Thread.sleep(lookMillis > 0 ? lookMillis : next);
            }
            double rate = ((long) warmup.size() + records.size() - firstCount) / ((System.nanoTime() - first) / 1e9);
            double cold = warmup.size() / ((first - coldStart) / 1e9);
            results.put(label.replace('-', '_') + "_cold_start_per_s", cold);
            StringBuilder perBatch = new StringBuilder();
            for (Service s : services) {
                perBatch.append(' ').append(String.format("%.2f", s.partitionsPerBatch()));
            }
            System.err.printf("  %-14s %d instance(s), %d model(s): %.0f examples/s after a warm-up of %d (%.0f/s from a cold start;"
                    + " partitions per batch:%s)%n", label, instances, models.size(), rate, warmup.size(), cold, perBatch);
            return rate;
        } finally {
            for (Service s : services) {
                s.stop();
            }
        }
    }

    /**
     * When to look at the services' counts next. Each look is a status request the services answer on the cores
     * being measured (two models fill both): looks are 250 ms apart while the goal is far, and come every 10 ms in
     * its last quarter second, so the moment it is reached is timed within about 10 ms (at the 50 ms of earlier
     * sessions, the looks cost the services about 0.05 of a core).
     */
    static final class Looks {
        private long lastCount = -1;
        private long lastNanos;
        private double perNano;

        long next(long count, long nanos, long goal) {
            if (lastCount >= 0 && nanos > lastNanos && count > lastCount) {
                perNano = (count - lastCount) / (double) (nanos - lastNanos);
            }
            lastCount = count;
            lastNanos = nanos;
            if (perNano <= 0) {
                return 50; // no rate yet
            }
            double millisToGoal = (goal - count) / perNano / 1e6;
            return millisToGoal <= 250 ? 10 : Math.max(10, Math.min(250, (long) (millisToGoal - 250)));
        }
    }

    /** The records on {@code label}.examples (created with the bench's partitions when absent), spread evenly over {@code models}. */
    private static void produce(KafkaClients clients, String label, List<String> models, List<byte[]> records) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", clients.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(label + ".examples", PARTITIONS, (short) 1))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw e;
            }
        }
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("scale-out")) {
            for (int i = 0; i < records.size(); i++) {
                String model = models.get(i % models.size());
                producer.send(new ProducerRecord<>(label + ".examples", null, model.getBytes(StandardCharsets.UTF_8), records.get(i), headers));
            }
            producer.flush();
        }
    }

    private static final Pattern WRITTEN = Pattern.compile("snapshot \\(hand-over\\) of 1 model\\(s\\), (\\d+) bytes written, .* in (\\d+) ms");
    private static final Pattern RESTORED = Pattern.compile("restored 1 model\\(s\\) .*\\((\\d+) bytes, .*\\) in (\\d+) ms");

    /** One model with the default network and buffer: its hand-over snapshot, then a fresh instance restoring it. */
    private static Map<String, Object> snapshotAndRestore(EmbeddedKafkaBroker broker, KafkaClients clients, Path root, List<byte[]> records)
            throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        String prefix = "restore.";
        Service first = Service.start(root.resolve("restore-0"), broker.bootstrapServers(), prefix, Map.of());
        try {
            first.awaitRunning();
            try (KafkaProducer<byte[], byte[]> producer = clients.producer("scale-out")) {
                for (byte[] record : records) {
                    producer.send(new ProducerRecord<>(prefix + "examples", "solo".getBytes(StandardCharsets.UTF_8), record));
                }
                producer.flush();
            }
            while (first.trained() < records.size()) {
                Thread.sleep(100);
            }
        } finally {
            first.stop();
        }
        Matcher written = WRITTEN.matcher(first.log());
        if (written.find()) {
            r.put("snapshot_bytes", Long.parseLong(written.group(1)));
            r.put("snapshot_write_ms", Long.parseLong(written.group(2)));
        }
        long started = System.nanoTime();
        Service second = Service.start(root.resolve("restore-1"), broker.bootstrapServers(), prefix, Map.of());
        try {
            second.awaitRunning();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (second.trained() < records.size() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            r.put("restart_to_state_restored_s", (System.nanoTime() - started) / 1e9);
            r.put("restored_trained", second.trained());
        } finally {
            second.stop();
        }
        Matcher restored = RESTORED.matcher(second.log()); // read after exit: the log is complete then
        if (restored.find()) {
            r.put("restored_bytes", Long.parseLong(restored.group(1)));
            r.put("restore_ms", Long.parseLong(restored.group(2)));
        }
        System.err.printf("  snapshot of one model (default network, buffer full): %s bytes written in %s ms; restored from Kafka in %s ms "
                + "(%s bytes); start to restored state %.1f s%n", r.get("snapshot_bytes"), r.get("snapshot_write_ms"), r.get("restore_ms"),
                r.get("restored_bytes"), (double) r.get("restart_to_state_restored_s"));
        return r;
    }

    /** A packaged service in its own JVM. */
    private record Service(Process process, Path dir, String url) {

        static Service start(Path dir, String bootstrap, String prefix, Map<String, String> extra) throws IOException {
            Files.createDirectories(dir);
            int http = freePort();
            ProcessBuilder builder = new ProcessBuilder(EndToEnd.serviceCommand("-Djdk.serialFilter=!*", "-Xmx2g"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("service.log").toFile());
            Map<String, String> env = builder.environment();
            env.put("OMP_NUM_THREADS", "1");
            env.put("ENGRAM_DATA_DIR", dir.toString());
            env.put("QUARKUS_HTTP_PORT", Integer.toString(http));
            env.put("ENGRAM_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            env.put("ENGRAM_TOPIC_PREFIX", prefix);
            env.put("ENGRAM_KAFKA_GROUP_ID", prefix + "group");
            env.put("ENGRAM_KAFKA_TOPICS_PARTITIONS", Integer.toString(PARTITIONS));
            env.put("ENGRAM_LEARNER_METHOD", "er");
            env.put("ENGRAM_CONSOLIDATION_METHOD", "none"); // as in the learner-only and e2e benches
            env.put("ENGRAM_EVALUATION_EVERY_EXAMPLES", "0");
            env.putAll(extra);
            return new Service(builder.start(), dir, "http://127.0.0.1:" + http);
        }

        void awaitRunning() throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (true) {
                JsonNode s = status();
                if (s != null && "running".equals(s.path("ingest").asText()) && !s.path("instance").path("restoring").asBoolean()) {
                    return;
                }
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IllegalStateException("service did not start; see " + dir.resolve("service.log"));
                }
                Thread.sleep(200);
            }
        }

        JsonNode status() {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/status")).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.ofString());
                return JSON.readTree(r.body());
            } catch (Exception e) {
                return null;
            }
        }

        long trained() {
            JsonNode s = status();
            long sum = 0;
            if (s != null) {
                for (JsonNode m : s.path("models")) {
                    sum += m.path("trained").asLong(0);
                }
            }
            return sum;
        }

        /** Mean partitions per batch, from engram_batch_partitions on /q/metrics. */
        double partitionsPerBatch() {
            try {
                String m = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                double count = 0;
                double sum = 0;
                for (String line : m.split("\n")) {
                    if (line.startsWith("engram_batch_partitions_count")) {
                        count = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    } else if (line.startsWith("engram_batch_partitions_sum")) {
                        sum = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    }
                }
                return count == 0 ? Double.NaN : sum / count;
            } catch (Exception e) {
                return Double.NaN;
            }
        }

        String log() throws IOException {
            return Files.readString(dir.resolve("service.log"));
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
