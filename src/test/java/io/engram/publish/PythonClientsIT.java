package io.engram.publish;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaAccess;
import io.engram.support.Await;
import io.engram.support.TestRecords;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The Python clients of examples/python/ against the running service and its real broker: the
 * producer sends a stream as Avro (fastavro) and JSON; the model consumer rebuilds the latest
 * version's ONNX model from Kafka alone, checks its SHA-256, and ONNX Runtime predicts what the
 * service's predict answers on 100 inputs; a corrupted chunk makes it fail.
 *
 * <p>Needs Python 3 with confluent-kafka, numpy, onnxruntime and fastavro: {@code ENGRAM_PYTHON},
 * else examples/python/.venv (made by .ci/run), else python3. Skipped when they are missing unless
 * {@code ENGRAM_REQUIRE_PYTHON} is set, as CI sets it.
 */
@QuarkusTest
class PythonClientsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLES = Path.of("examples", "python");

    @Inject
    KafkaAccess kafka;

    @Test
    void pythonConsumerPredictsWhatTheServicePredictsAndDetectsACorruptChunk() throws Exception {
        Path dir = Files.createTempDirectory("engram-python");
        try {
            predictAndRefuseACorruptChunk(dir);
        } finally {
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) { // the records and predictions the clients read and wrote
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private void predictAndRefuseACorruptChunk(Path dir) throws Exception {
        String python = python();
        String model = "py-" + UUID.randomUUID().toString().substring(0, 8);

        // the stream: two tasks as Avro, then a publish record as JSON, all through the Python producer; each part's
        // version awaited before the next part is sent (the triggers of one batch fold into one version)
        List<String> stream = stream();
        int taskEnd = stream.indexOf("{\"type\":\"task_end\",\"task\":\"p0\"}") + 1;
        List<List<String>> parts = List.of(stream.subList(0, taskEnd), stream.subList(taskEnd, stream.size()),
                List.of("{\"type\":\"publish\"}"));
        for (int part = 0; part < parts.size(); part++) {
            Path records = dir.resolve("part" + part + ".jsonl");
            Files.write(records, parts.get(part), StandardCharsets.UTF_8);
            run(List.of(python, EXAMPLES.resolve("producer.py").toString(), "--bootstrap", kafka.bootstrapServers(), "--topic",
                    kafka.topics().examples(), "--model", model, "--format", part < 2 ? "avro" : "json", "--file", records.toString()),
                    0, "");
            int expected = part + 1;
            Await.until(Duration.ofSeconds(120), expected + " versions of " + model + " (2 task ends, 1 publish)",
                    () -> versions(model) == expected, () -> versions(model));
        }

        // 100 inputs: the service's predict for version 3, and ONNX Runtime on the version rebuilt from Kafka
        SplittableRandom random = new SplittableRandom(17);
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            float[] x = new float[4];
            for (int d = 0; d < 4; d++) {
                x[d] = (float) random.nextDouble(-3, 3);
            }
            inputs.add(x);
        }
        Path inputFile = dir.resolve("inputs.json");
        Files.writeString(inputFile, JSON.writeValueAsString(inputs));
        Path out = dir.resolve("predictions.json");
        String log = run(List.of(python, EXAMPLES.resolve("model_consumer.py").toString(), "--bootstrap", kafka.bootstrapServers(),
                "--topic-prefix", prefix(), "--model", model, "--version", "latest", "--inputs", inputFile.toString(), "--out",
                out.toString()), 0, "");
        assertThat(log).contains("SHA-256 verified");
        JsonNode onnx = JSON.readTree(out.toFile());
        assertThat(onnx.get("version").asLong()).isEqualTo(3);
        assertThat(onnx.get("labels").toString()).isEqualTo("[\"cat\",\"dog\",\"bird\"]");
        for (int i = 0; i < inputs.size(); i++) {
            JsonNode service = JSON.readTree(given().contentType("application/json").body(Map.of("x", inputs.get(i)))
                    .post("/api/models/" + model + "/predict?version=3").then().statusCode(200).extract().asString());
            for (int c = 0; c < 3; c++) {
                assertThat(onnx.get("probabilities").get(i).get(c).asDouble()).as("input %d, class %d", i, c)
                        .isCloseTo(service.get("probabilities").get(c).asDouble(), within(1e-5));
            }
            assertThat(onnx.get("classes").get(i).asInt()).as("class of input %d", i).isEqualTo(service.get("class").asInt());
        }

        // a corrupted ONNX chunk: the consumer refuses the version
        String key = model + ":3:onnx:0";
        byte[] chunk = ModelTopics.readLatest(kafka.clients(), kafka.topics().modelChunks(), k -> k.equals(key)).get(key).clone();
        chunk[chunk.length / 2] ^= 0x10;
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer("python-it-corrupter")) {
            producer.send(new ProducerRecord<>(kafka.topics().modelChunks(), TestRecords.utf8(key), chunk)).get(30, TimeUnit.SECONDS);
        }
        String refused = run(List.of(python, EXAMPLES.resolve("model_consumer.py").toString(), "--bootstrap", kafka.bootstrapServers(),
                "--topic-prefix", prefix(), "--model", model, "--version", "3", "--inputs", inputFile.toString()), 3, "");
        assertThat(refused).contains("SHA-256 mismatch").contains("version 3");
    }

    /** Two tasks of the test model (4 inputs, labels cat, dog, bird): eval and train examples, each task ended. */
    private static List<String> stream() {
        SplittableRandom random = new SplittableRandom(9);
        List<String> lines = new ArrayList<>();
        for (int task = 0; task < 2; task++) {
            for (String split : new String[] {"eval", "train"}) {
                for (int i = 0; i < (split.equals("eval") ? 30 : 150); i++) {
                    int c = random.nextInt(3);
                    StringBuilder x = new StringBuilder();
                    for (int d = 0; d < 4; d++) {
                        x.append(d == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f",
                                random.nextGaussian() * 0.3 + ((d + task) % 4 == c ? 2 : 0)));
                    }
                    String label = c == 2 ? "\"label\":\"bird\"" : "\"y\":" + c;
                    lines.add("{\"task\":\"p" + task + "\",\"x\":[" + x + "]," + label + ",\"split\":\"" + split + "\"}");
                }
            }
            lines.add("{\"type\":\"task_end\",\"task\":\"p" + task + "\"}");
        }
        return lines;
    }

    private long versions(String model) {
        return ModelTopics.readLatest(kafka.clients(), kafka.topics().models(), k -> k.startsWith(model + ":")).keySet().stream()
                .filter(k -> !k.contains(":@")).count();
    }

    private String prefix() {
        String models = kafka.topics().models();
        return models.substring(0, models.length() - "models".length());
    }

    /** The Python with the clients' packages, or a skip (a failure when ENGRAM_REQUIRE_PYTHON is set). */
    private static String python() throws Exception {
        String configured = System.getenv("ENGRAM_PYTHON");
        Path venv = EXAMPLES.resolve(".venv/bin/python");
        String python = configured != null ? configured : Files.isExecutable(venv) ? venv.toString() : "python3";
        String problem;
        try {
            Process probe = new ProcessBuilder(python, "-c", "import confluent_kafka, numpy, onnxruntime, fastavro")
                    .redirectErrorStream(true).start();
            boolean done = probe.waitFor(60, TimeUnit.SECONDS);
            String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            problem = !done ? "the import probe did not finish in 60 s" : probe.exitValue() == 0 ? null : output;
        } catch (IOException e) {
            problem = e.getMessage();
        }
        String message = "Python clients need " + python + " with confluent-kafka, numpy, onnxruntime and fastavro "
                + "(.ci/run installs them into examples/python/.venv; or set ENGRAM_PYTHON): " + problem;
        if (System.getenv("ENGRAM_REQUIRE_PYTHON") != null) {
            assertThat(problem).as("ENGRAM_REQUIRE_PYTHON is set. " + message).isNull();
        }
        assumeTrue(problem == null, message);
        return python;
    }

    /** Runs a command (OMP_NUM_THREADS=1), checks its exit code, returns its output. */
    private static String run(List<String> command, int expectedExit, String input) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("OMP_NUM_THREADS", "1");
        Process process = builder.start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        boolean done = process.waitFor(180, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            process.destroyForcibly();
        }
        assertThat(done).as("%s finished within 180 s; output: %s", command, output).isTrue();
        assertThat(process.exitValue()).as("exit code of %s; output: %s", command, output).isEqualTo(expectedExit);
        return output;
    }
}
