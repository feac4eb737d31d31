package io.engram.ingest;

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
 * The packaged service at its default settings (MER with its default replay batch, K-FAC,
 * 784-100-100-10) takes a backlog of three tasks of 784-number records sent at once. Before, one
 * poll's batch outlived the transaction timeout, the broker aborted it, and the service stopped
 * itself as if fenced by another instance. The transaction timeout is shortened to 15 s here to
 * keep the test quick (a 2000-record batch at MER's cost takes longer than that on two cores);
 * batches bounded by {@code engram.ingest.batch-duration} (5 s) commit far inside it.
 */
class DefaultsBacklogIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TASKS = 3;
    private static final int TRAIN = 1000;
    private static final int EVAL = 100;
    private static final String MODEL = "backlog";

    /** Synthetic 784-pixel images: a class template plus noise, each task a fixed pixel permutation. */
    static List<byte[]> stream() {
        SplittableRandom random = new SplittableRandom(5);
        float[][] templates = new float[10][784];
        for (float[] t : templates) {
            for (int i = 0; i < 784; i++) {
                t[i] = random.nextDouble() < 0.2 ? (float) random.nextDouble() : 0f;
            }
        }
        List<byte[]> records = new ArrayList<>();
        for (int task = 0; task < TASKS; task++) {
            int[] permutation = new int[784];
            for (int i = 0; i < 784; i++) {
                permutation[i] = i;
            }
            for (int i = 783; i > 0 && task > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = swap;
            }
            for (int n = 0; n < EVAL + TRAIN; n++) {
                int c = random.nextInt(10);
                StringBuilder x = new StringBuilder();
                for (int i = 0; i < 784; i++) {
                    float v = Math.min(1f, Math.max(0f, templates[c][permutation[i]] + (float) (random.nextGaussian() * 0.1)));
                    x.append(i == 0 ? "" : ",").append(v == 0f ? "0" : String.format("%.3f", v));
                }
                records.add(TestRecords.utf8("{\"task\":\"p" + task + "\",\"x\":[" + x + "],\"y\":" + c
                        + (n < EVAL ? ",\"split\":\"eval\"" : "") + "}"));
            }
            records.add(TestRecords.utf8("{\"type\":\"task_end\",\"task\":\"p" + task + "\"}"));
        }
        return records;
    }

    @Test
    void shouldTakeABacklogAtDefaultSettingsWithoutStoppingItself() throws Exception {
        int port = ServiceProcess.freePort();
        Map<String, String> env = new HashMap<>();
        env.put("ENGRAM_KAFKA_EMBEDDED_PORT", Integer.toString(port));
        env.put("ENGRAM_KAFKA_TRANSACTION_TIMEOUT", "15s");
        try (ServiceProcess service = ServiceProcess.start(env)) {
            service.awaitReady(Duration.ofSeconds(90));
            KafkaClients clients = new KafkaClients("127.0.0.1:" + port, Map.of(), 10_000);
            TestRecords.produce(clients, "engram.examples", MODEL, stream());
            List<String> answered = new ArrayList<>();
            Await.until(Duration.ofSeconds(300), "versions answering the three task ends", () -> {
                answered.clear();
                answered.addAll(triggers(clients));
                return answered.contains("task_end:p" + (TASKS - 1));
            }, () -> answered + "; status " + service.get("/api/status").body() + "; log tail " + service.tail());
            assertThat(answered).containsExactly("task_end:p0", "task_end:p1", "task_end:p2");
            JsonNode status = JSON.readTree(service.get("/api/status").body());
            assertThat(status.get("ingest").asText()).isEqualTo("running");
            assertThat(status.path("models").path(MODEL).path("trained").asLong()).isEqualTo((long) TASKS * TRAIN);
            assertThat(service.output()).doesNotContain("took over").doesNotContain("cannot go on");
            assertThat(service.get("/q/health/ready").code()).isEqualTo(200);
        }
    }

    /** Every trigger answered by the model's versions, in version order. */
    private static List<String> triggers(KafkaClients clients) {
        return io.engram.support.Versions.triggers(ModelTopics.readLatest(clients, new Topics("engram.").models(),
                k -> k.startsWith(MODEL + ":") && !k.contains(":@")), MODEL);
    }
}
