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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged service learns from Kafka with each method: a separable stream produced to its
 * embedded broker is trained on, and the training loss falls far below chance level (ln 3 ≈ 1.10).
 */
class LearnerFromKafkaIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"online", "er", "mer"})
    void serviceLearnsASeparableStreamFromKafka(String method) throws Exception {
        try (ServiceProcess service = ServiceProcess.start(Map.of(
                "ENGRAM_LEARNER_METHOD", method,
                "ENGRAM_LEARNER_REPLAY_CAPACITY", "200",
                "ENGRAM_MODEL_INPUT_SIZE", "10",
                "ENGRAM_MODEL_HIDDEN", "16",
                "ENGRAM_MODEL_CLASSES", "3",
                "ENGRAM_MODEL_LABELS", "a,b,c"))) {
            service.awaitReady(Duration.ofSeconds(60));
            JsonNode status = JSON.readTree(service.get("/api/status").body());
            KafkaClients clients = new KafkaClients(status.get("bootstrap_servers").asText(), Map.of(), 10_000);

            SplittableRandom random = new SplittableRandom(3);
            List<byte[]> records = new ArrayList<>();
            for (int i = 0; i < 900; i++) {
                int c = random.nextInt(3);
                StringBuilder x = new StringBuilder();
                for (int d = 0; d < 10; d++) {
                    x.append(d == 0 ? "" : ",").append(String.format("%.4f", random.nextGaussian() * 0.3 + (d % 3 == c ? 1.5 : 0.0)));
                }
                records.add(TestRecords.utf8("{\"task\":\"blobs\",\"x\":[" + x + "],\"y\":" + c + "}"));
            }
            TestRecords.produce(clients, "engram.examples", "blobs-" + method, records);

            Await.until(Duration.ofSeconds(90), "900 examples trained with " + method, () -> trained(service, "blobs-" + method) == 900,
                    () -> service.get("/api/status").body());
            JsonNode model = JSON.readTree(service.get("/api/status").body()).get("models").get("blobs-" + method);
            assertThat(model.get("train_loss").asDouble()).as("%s training loss (chance: 1.10)", method).isLessThan(0.35);
            assertThat(service.get("/q/metrics").body()).contains("engram_train_loss{model=\"blobs-" + method + "\"");
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
