package io.engram.learn;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaClients;
import io.engram.broker.Topics;
import io.engram.publish.ModelTopics;
import io.engram.support.Await;
import io.engram.support.ServiceProcess;
import io.engram.support.TestRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The packaged service with {@code engram.evaluation.drift.detector=adwin} learns a stream whose
 * records all name one task and never end it, while the images switch to a new pixel permutation
 * half-way: the detector ends the first segment, and a version with trigger {@code drift:stream#2}
 * goes out on {@code engram.models}, its manifest listing both segments.
 */
class DriftBoundaryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "taskfree";
    private static final int PER_PHASE = 1000;

    /** Synthetic 784-pixel images (a class template plus noise), the second phase under a fixed permutation; every 10th an eval record. */
    static List<byte[]> stream() {
        SplittableRandom random = new SplittableRandom(8);
        float[][] templates = new float[10][784];
        for (float[] t : templates) {
            for (int i = 0; i < 784; i++) {
                t[i] = random.nextDouble() < 0.2 ? (float) random.nextDouble() : 0f;
            }
        }
        List<byte[]> records = new ArrayList<>();
        for (int phase = 0; phase < 2; phase++) {
            int[] permutation = new int[784];
            for (int i = 0; i < 784; i++) {
                permutation[i] = i;
            }
            for (int i = 783; i > 0 && phase > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = swap;
            }
            for (int n = 0; n < PER_PHASE; n++) {
                int c = random.nextInt(10);
                StringBuilder x = new StringBuilder();
                for (int i = 0; i < 784; i++) {
                    float v = Math.min(1f, Math.max(0f, templates[c][permutation[i]] + (float) (random.nextGaussian() * 0.1)));
                    x.append(i == 0 ? "" : ",").append(v == 0f ? "0" : String.format("%.3f", v));
                }
                records.add(TestRecords.utf8("{\"task\":\"stream\",\"x\":[" + x + "],\"y\":" + c
                        + (n % 10 == 9 ? ",\"split\":\"eval\"" : "") + "}"));
            }
        }
        return records;
    }

    @Test
    void shouldPublishAVersionAtTheDriftItDetects() throws Exception {
        int port = ServiceProcess.freePort();
        Map<String, String> env = new HashMap<>();
        env.put("ENGRAM_KAFKA_EMBEDDED_PORT", Integer.toString(port));
        env.put("ENGRAM_EVALUATION_DRIFT_DETECTOR", "adwin");
        env.put("ENGRAM_LEARNER_REPLAY_BATCH", "10");
        try (ServiceProcess service = ServiceProcess.start(env)) {
            service.awaitReady(Duration.ofSeconds(90));
            KafkaClients clients = new KafkaClients("127.0.0.1:" + port, Map.of(), 10_000);
            TestRecords.produce(clients, "engram.examples", MODEL, stream());
            List<JsonNode> manifests = new ArrayList<>();
            Await.until(Duration.ofSeconds(300), "a version answering the drift", () -> {
                manifests.clear();
                manifests.addAll(ModelTopics.readLatest(clients, new Topics("engram.").models(),
                        k -> k.startsWith(MODEL + ":") && !k.contains(":@")).values().stream().map(DriftBoundaryIT::json).toList());
                return manifests.stream().anyMatch(m -> m.path("trigger").asText().equals("drift:stream#2"));
            }, () -> manifests + "; status " + service.get("/api/status").body() + "; log tail " + service.tail());
            JsonNode drift = manifests.stream().filter(m -> m.path("trigger").asText().equals("drift:stream#2")).findFirst().orElseThrow();
            assertThat(drift.path("tasks").toString()).isEqualTo("[\"stream\",\"stream#2\"]");
            assertThat(drift.path("metrics").path("after_task").asText()).isEqualTo("stream");
            assertThat(drift.path("examples_seen").asLong()).as("the alarm came after the switch")
                    .isGreaterThan(PER_PHASE * 9 / 10).isLessThan(PER_PHASE * 9 / 10 + 300);
            assertThat(drift.path("training").path("hyperparameters").path("drift").path("detector").asText()).isEqualTo("adwin");
            assertThat(service.output()).contains("drift detected in task stream");
        }
    }

    private static JsonNode json(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
