package io.engram.learn;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaClients;
import io.engram.support.Await;
import io.engram.support.ServiceProcess;
import io.engram.support.TestRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The packaged service learns from Kafka with each method and each consolidation: two tasks of a
 * separable stream, each closed by a task_end record, are trained on through the embedded broker;
 * the training loss falls far below chance level (ln 3 ≈ 1.10) and each task end consolidates.
 */
class LearnerFromKafkaIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @CsvSource({"online, ewc", "er, online-ewc", "mer, kfac", "online, none"})
    void serviceLearnsFromKafkaAndConsolidatesAtTaskEnds(String method, String consolidation) throws Exception {
        try (ServiceProcess service = ServiceProcess.start(Map.of(
                "ENGRAM_LEARNER_METHOD", method,
                "ENGRAM_CONSOLIDATION_METHOD", consolidation,
                // the default λ is tuned for the 784-100-100-10 benchmark network; this one is tiny
                "ENGRAM_CONSOLIDATION_LAMBDA", consolidation.endsWith("ewc") ? "100" : "10",
                "ENGRAM_LEARNER_REPLAY_CAPACITY", "200",
                "ENGRAM_MODEL_INPUT_SIZE", "20",
                "ENGRAM_MODEL_HIDDEN", "16",
                "ENGRAM_MODEL_CLASSES", "3",
                "ENGRAM_MODEL_LABELS", "a,b,c"))) {
            service.awaitReady(Duration.ofSeconds(60));
            JsonNode status = JSON.readTree(service.get("/api/status").body());
            KafkaClients clients = new KafkaClients(status.get("bootstrap_servers").asText(), Map.of(), 10_000);

            SplittableRandom random = new SplittableRandom(3);
            List<byte[]> records = new ArrayList<>();
            for (int task = 1; task <= 2; task++) {
                for (int i = 0; i < 450; i++) {
                    int c = random.nextInt(3);
                    StringBuilder x = new StringBuilder();
                    for (int d = 0; d < 20; d++) {
                        // task 1 carries its signal in dimensions 0-9, task 2 in 10-19: learnable together
                        boolean on = d / 10 == task - 1 && d % 3 == c;
                        x.append(d == 0 ? "" : ",").append(String.format("%.4f", random.nextGaussian() * 0.3 + (on ? 1.5 : 0.0)));
                    }
                    records.add(TestRecords.utf8("{\"task\":\"t" + task + "\",\"x\":[" + x + "],\"y\":" + c + "}"));
                }
                records.add(TestRecords.utf8("{\"type\":\"task_end\",\"task\":\"t" + task + "\"}"));
            }
            TestRecords.produce(clients, "engram.examples", "blobs-" + method, records);

            Await.until(Duration.ofSeconds(120), "900 examples trained and 2 tasks ended with " + method + "+" + consolidation,
                    () -> trained(service, "blobs-" + method) == 900 && ended(service, "blobs-" + method) == 2,
                    () -> service.get("/api/status").body());
            JsonNode model = JSON.readTree(service.get("/api/status").body()).get("models").get("blobs-" + method);
            assertThat(model.get("train_loss").asDouble()).as("%s+%s training loss (chance: 1.10)", method, consolidation)
                    .isLessThan(0.5);
            String metrics = service.get("/q/metrics").body();
            assertThat(metrics).contains("engram_train_loss{model=\"blobs-" + method + "\"");
            assertThat(metrics).containsPattern("engram_consolidation_seconds_count\\{model=\"blobs-" + method + "\",?\\} 2\\.0");
        }
    }

    private static int ended(ServiceProcess service, String model) {
        try {
            return JSON.readTree(service.get("/api/status").body()).path("models").path(model).path("tasks_ended").size();
        } catch (Exception e) {
            return -1;
        }
    }

    private static long trained(ServiceProcess service, String model) {
        try {
            JsonNode m = JSON.readTree(service.get("/api/status").body()).path("models").path(model);
            return m.path("trained").asLong(-1);
        } catch (Exception e) {
            return -1;
        }
    }
}
