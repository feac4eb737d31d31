package io.engram.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.engram.broker.KafkaClients;
import io.engram.data.FashionMnist;
import io.engram.data.PermutedStream;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code ./engram bench e2e}: examples/s from Kafka to learned, through the packaged service (a
 * separate JVM) and a broker this JVM starts, for online, ER and MER in the configurations of the
 * learner-only throughput bench. Phase 1: a backlog of permuted Fashion-MNIST train examples is
 * produced before the service starts (so it drains a backlog, not the producer's pace), twice: first
 * for a warm-up model (its rate, from a cold start, includes start-up and JIT compilation), then for
 * the measured model, whose time from its first example learned to its last gives the service's rate
 * (learner-only measures after a warm-up run too).
 * Phase 2: the same count is produced at 80% of that rate while the committed lag is sampled.
 * {@code --format avro} sends the same examples as Avro binary of schemas/example.avsc (header
 * content-type: application/avro) instead of JSON.
 */
public final class EndToEnd {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static List<org.apache.kafka.common.header.Header> headers = List.of();

    private EndToEnd() {
    }

    record Config(String label, Map<String, String> env) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = BenchOptions.parse("engram bench e2e", List.of("examples", "warmup", "configs", "format", "out"), args);
        int examples = Integer.parseInt(o.getOrDefault("examples", "4000"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", Integer.toString(examples)));
        List<byte[]> records = permutedJson(examples);
        boolean avro = avro(o);
        if (avro) {
            records = toAvro(records);
        }
        headers = headers(avro);
        System.err.printf("%d records, %s, %.0f bytes each on average%n", records.size(), avro ? "Avro" : "JSON",
                records.stream().mapToLong(r -> r.length).average().orElse(0));
        List<Config> configs = List.of(
                new Config("online-b10", Map.of("ENGRAM_LEARNER_METHOD", "online", "ENGRAM_LEARNER_BATCH_SIZE", "10")),
                new Config("er-b10-r10", Map.of("ENGRAM_LEARNER_METHOD", "er", "ENGRAM_LEARNER_BATCH_SIZE", "10",
                        "ENGRAM_LEARNER_REPLAY_BATCH", "10")),
                new Config("mer-5120-s10-k11", Map.of("ENGRAM_LEARNER_METHOD", "mer", "ENGRAM_LEARNER_REPLAY_BATCH", "10")));
        List<Map<String, Object>> results = new ArrayList<>();
        Path root = Files.createTempDirectory("engram-e2e-broker");
        try (io.engram.broker.EmbeddedKafkaBroker broker = new io.engram.broker.EmbeddedKafkaBroker(root, 0).start()) {
            for (Config config : configs) {
                if (o.containsKey("configs") && !List.of(o.get("configs").split(",")).contains(config.label())) {
                    continue;
                }
                results.add(run(config, records, warmup, broker.bootstrapServers()));
            }
        } finally {
            BenchOptions.deleteTree(root);
        }
        Path out = Path.of(o.getOrDefault("out", "target/bench/engram-e2e.json"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        JSON.enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), results);
        System.err.println("Wrote " + out);
    }

    /**
     * Train examples of two permuted Fashion-MNIST tasks (synthetic images where the data set is not
     * installed), as JSON records of 784 inputs rounded to three decimals.
     */
    static List<byte[]> permutedJson(int examples) throws IOException {
        FashionMnist data = FashionMnist.installed(FashionMnist.DEBIAN_PATH) ? FashionMnist.load(FashionMnist.DEBIAN_PATH)
                : FashionMnist.synthetic(20_000, 1_000, 7);
        PermutedStream stream = PermutedStream.create(2, examples / 2, 0, data.trainImages().length, 1);
        List<byte[]> records = new ArrayList<>();
        float[] x = new float[FashionMnist.PIXELS];
        for (int t = 0; t < 2; t++) {
            for (int index : stream.trainIndices(t)) {
                stream.transform(data.trainImages()[index], t, x);
                StringBuilder b = new StringBuilder("{\"task\":\"perm-" + t + "\",\"y\":" + data.trainLabels()[index] + ",\"x\":[");
                for (int i = 0; i < x.length; i++) {
                    b.append(i == 0 ? "" : ",").append(x[i] == 0f ? "0" : Float.toString(Math.round(x[i] * 1000) / 1000f));
                }
                records.add(b.append("]}").toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return records;
    }

    private static Map<String, Object> run(Config config, List<byte[]> records, int warmup, String bootstrap) throws Exception {
        Path dir = Files.createTempDirectory("engram-e2e");
        int http = freePort();
        String topic = config.label() + ".examples";
        KafkaClients clients = new KafkaClients(bootstrap, Map.of(), 10_000);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1))).all().get();
        }
        // phase 1's backlog, before the service starts: the stream once as a warm-up model (start-up and JIT warm-up,
        // which the learner-only bench leaves out with its warm-up run), then once as the measured model
        produce(clients, topic, "warmup", cycled(records, warmup), 0);
        produce(clients, topic, "backlog", records, 0);
        ProcessBuilder builder = new ProcessBuilder(serviceCommand()).redirectErrorStream(true).redirectOutput(dir.resolve("service.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("OMP_NUM_THREADS", "1");
        env.put("ENGRAM_DATA_DIR", dir.toString());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(http));
        env.put("ENGRAM_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("ENGRAM_TOPIC_PREFIX", config.label() + ".");
        env.put("ENGRAM_KAFKA_GROUP_ID", config.label() + ".group");
        env.put("ENGRAM_CONSOLIDATION_METHOD", "none"); // as in the learner-only bench
        env.put("ENGRAM_EVALUATION_EVERY_EXAMPLES", "0");
        env.put("ENGRAM_CHECKPOINT_EVERY_EXAMPLES", "1000000");
        env.put("ENGRAM_CHECKPOINT_EVERY_SECONDS", "3600");
        env.putAll(config.env());
        Process service = builder.start();
        boolean done = false;
        try {
            String url = "http://127.0.0.1:" + http;
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (status(url) == null) {
                if (System.nanoTime() > deadline || !service.isAlive()) {
                    throw new IllegalStateException("service did not start; see " + dir.resolve("service.log"));
                }
                Thread.sleep(20); // the backlog is waiting: the first learned examples should be seen early
            }
            Rate cold = drain(url, "warmup", warmup);
            Rate warm = drain(url, "backlog", records.size());
            double rate = warm.perSecond();
            Map<String, Double> m = metrics(url);
            double commitMs = 1000 * m.getOrDefault("engram_batch_commit_seconds_sum", 0.0) / m.getOrDefault("engram_batch_commit_seconds_count", 1.0);
            double perBatch = m.getOrDefault("engram_batch_records_sum", 0.0) / m.getOrDefault("engram_batch_records_count", 1.0);
            System.err.printf("  %-18s backlog: %.0f examples/s through Kafka after a warm-up of %d (%.0f/s from a cold start; %.0f records"
                    + " a batch, commit %.1f ms)%n", config.label(), rate, warmup, cold.perSecond(), perBatch, commitMs);
            // phase 2: 80% of that rate, sampling the committed lag
            double target = 0.8 * rate;
            Thread producer = new Thread(() -> {
                try {
                    produce(clients, topic, "paced", records, target);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            producer.start();
            long maxLag = 0;
            List<Long> lags = new ArrayList<>();
            while (trained(url, "paced") < records.size()) {
                long lag = lag(url);
                lags.add(lag);
                maxLag = Math.max(maxLag, lag);
                Thread.sleep(250);
            }
            producer.join();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("label", config.label());
            r.put("examples", records.size());
            r.put("examples_per_second", rate);
            r.put("warmup_examples", warmup);
            r.put("cold_start_examples_per_second", cold.perSecond());
            r.put("records_per_batch", perBatch);
            r.put("commit_ms", commitMs);
            r.put("paced_rate", target);
            r.put("max_lag_records", maxLag);
            r.put("lag_samples", lags.size());
            System.err.printf("  %-18s at 80%% (%.0f/s): max committed lag %d records over %d samples%n", config.label(), target, maxLag,
                    lags.size());
            done = true;
            return r;
        } finally {
            service.destroy();
            service.waitFor();
            if (done) {
                BenchOptions.deleteTree(dir); // kept, with its log, when the run failed
            }
        }
    }

    /**
     * The command line of a packaged service: this JVM's java, the Vector API module, {@code jvmFlags}, then
     * the flags in the environment variable ENGRAM_BENCH_SERVICE_OPTS (e.g. a flight recording of the service).
     */
    static List<String> serviceCommand(String... jvmFlags) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector"));
        command.addAll(List.of(jvmFlags));
        String extra = System.getenv("ENGRAM_BENCH_SERVICE_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", "target/quarkus-app/quarkus-run.jar"));
        return command;
    }

    /** {@code count} records: {@code records} over again from the start as often as it takes. */
    static List<byte[]> cycled(List<byte[]> records, int count) {
        List<byte[]> cycled = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            cycled.add(records.get(i % records.size()));
        }
        return cycled;
    }

    /** Whether {@code --format} asks for Avro (json by default); any other value stops the bench. */
    static boolean avro(Map<String, String> options) {
        String format = options.getOrDefault("format", "json");
        if (!format.equals("json") && !format.equals("avro")) {
            throw new IllegalArgumentException("--format: expected json or avro, found " + format);
        }
        return format.equals("avro");
    }

    /** The same examples as Avro binary of schemas/example.avsc. */
    static List<byte[]> toAvro(List<byte[]> json) throws IOException {
        List<byte[]> encoded = new ArrayList<>(json.size());
        for (byte[] record : json) {
            encoded.add(io.engram.ingest.AvroRecords.encode(JSON.readTree(record)));
        }
        return encoded;
    }

    /** The headers records of the format carry: content-type application/avro for Avro, none for JSON. */
    static List<org.apache.kafka.common.header.Header> headers(boolean avro) {
        return avro ? List.of(new org.apache.kafka.common.header.internals.RecordHeader(io.engram.ingest.AvroRecords.CONTENT_TYPE,
                io.engram.ingest.AvroRecords.AVRO.getBytes(StandardCharsets.UTF_8))) : List.of();
    }

    /** Examples learned per second by one model, from its first learned example to its last. */
    record Rate(long examples, double seconds) {
        double perSecond() {
            return examples / seconds;
        }
    }

    /** Waits until {@code model} learned {@code total} examples (polling every 20 ms), timing it from its first. */
    private static Rate drain(String url, String model, int total) throws InterruptedException {
        long first = 0;
        long firstCount = 0;
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (true) {
            long trained = trained(url, model);
            if (first == 0 && trained > 0) {
                first = System.nanoTime();
                firstCount = trained;
            }
            if (trained >= total) {
                return new Rate(total - firstCount, (System.nanoTime() - first) / 1e9);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(model + ": only " + trained + " of " + total + " learned in 10 minutes");
            }
            Thread.sleep(20);
        }
    }

    private static void produce(KafkaClients clients, String topic, String model, List<byte[]> records, double rate) throws Exception {
        byte[] key = model.getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("e2e")) {
            for (int i = 0; i < records.size(); i++) {
                if (rate > 0) {
                    long wait = start + (long) (i / rate * 1e9) - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                producer.send(new ProducerRecord<>(topic, null, key, records.get(i), headers));
            }
            producer.flush();
        }
    }

    private static JsonNode status(String url) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/status")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode s = JSON.readTree(r.body());
            return "running".equals(s.path("ingest").asText()) ? s : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static long trained(String url, String model) {
        JsonNode s = status(url);
        return s == null ? 0 : s.path("models").path(model).path("trained").asLong(0);
    }

    /** The service's Prometheus samples without labels, by name. */
    private static Map<String, Double> metrics(String url) throws IOException, InterruptedException {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> out = new java.util.HashMap<>();
        for (String line : body.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (!line.startsWith("#") && space > 0 && !line.contains("{")) {
                out.put(line.substring(0, space).trim(), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return out;
    }

    private static long lag(String url) throws IOException, InterruptedException {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        long lag = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("engram_consumer_lag_records") && line.contains("against=\"committed\"")) {
                lag += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return lag;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
