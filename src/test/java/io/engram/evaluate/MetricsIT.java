package io.engram.evaluate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaAccess;
import io.engram.support.Await;
import io.engram.support.TestRecords;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Three synthetic tasks, each with an evaluation set, through the real broker: the metrics events
 * on engram.metrics carry a matrix that grows a row per task, figures equal to those recomputed
 * here from the event's own matrix, and HTTP and Prometheus report the same numbers.
 */
@QuarkusTest
class MetricsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    KafkaAccess kafka;

    @Test
    void shouldPublishTheAccuracyMatrixAndItsFiguresConsistently() throws Exception {
        String model = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        SplittableRandom random = new SplittableRandom(11);
        List<byte[]> records = new ArrayList<>();
        for (int task = 0; task < 3; task++) {
            for (String split : new String[] {"eval", "train"}) {
                int n = split.equals("eval") ? 60 : 240;
                for (int i = 0; i < n; i++) {
                    int c = random.nextInt(3);
                    StringBuilder x = new StringBuilder();
                    for (int d = 0; d < 4; d++) {
                        boolean on = (d + task) % 4 == c;
                        x.append(d == 0 ? "" : ",").append(String.format("%.3f", random.nextGaussian() * 0.4 + (on ? 2 : 0)));
                    }
                    records.add(TestRecords.utf8("{\"task\":\"t" + task + "\",\"x\":[" + x + "],\"y\":" + c
                            + ",\"split\":\"" + split + "\"}"));
                }
            }
            records.add(TestRecords.utf8("{\"type\":\"task_end\",\"task\":\"t" + task + "\"}"));
        }
        TestRecords.produce(kafka.clients(), kafka.topics().examples(), model, records);

        List<JsonNode> events = new ArrayList<>();
        Await.until(Duration.ofSeconds(90), "3 task-end metrics events of " + model, () -> {
            events.clear();
            for (ConsumerRecord<byte[], byte[]> r : TestRecords.readAll(kafka.clients(), kafka.topics().metrics())) {
                if (model.equals(new String(r.key()))) {
                    try {
                        JsonNode e = JSON.readTree(r.value());
                        if (!e.get("after_task").isNull()) {
                            events.add(e);
                        }
                    } catch (Exception ex) {
                        throw new AssertionError(ex);
                    }
                }
            }
            return events.size() == 3;
        }, () -> events.size() + " events");

        for (int i = 0; i < 3; i++) {
            JsonNode e = events.get(i);
            assertThat(e.get("after_task").asText()).isEqualTo("t" + i);
            assertThat(e.get("matrix")).as("rows after task %d", i).hasSize(i + 1);
            assertThat(e.get("tasks")).hasSize(i + 1);
            for (JsonNode row : e.get("matrix")) {
                assertThat(row).hasSize(i + 1);
            }
            assertThat(e.get("formulas").get("bwt").asText()).isEqualTo("1/(T-1) sum_{j<T} (R[T][j] - R[j][j])");
            assertFiguresMatchMatrix(e);
        }

        JsonNode last = events.get(2);
        JsonNode http = JSON.readTree(given().get("/api/models/" + model + "/metrics").then().statusCode(200).extract().asString());
        assertThat(http.get("matrix")).isEqualTo(last.get("matrix"));
        for (String figure : List.of("acc", "la", "bwt", "fwt", "forgetting")) {
            assertThat(http.get(figure).asDouble()).isEqualTo(last.get(figure).asDouble());
        }
        String prometheus = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(io.engram.support.Prometheus.value(prometheus, "engram_acc{model=\"" + model + "\"}"))
                .isCloseTo(last.get("acc").asDouble(), within(1e-9));
        assertThat(io.engram.support.Prometheus.value(prometheus, "engram_bwt{model=\"" + model + "\"}"))
                .isCloseTo(last.get("bwt").asDouble(), within(1e-9));
        assertThat(io.engram.support.Prometheus.value(prometheus, "engram_forgetting{model=\"" + model + "\"}"))
                .isCloseTo(last.get("forgetting").asDouble(), within(1e-9));
        JsonNode lastRow = last.get("matrix").get(2);
        for (int j = 0; j < 3; j++) {
            assertThat(io.engram.support.Prometheus.value(prometheus, "engram_task_accuracy{model=\"" + model + "\",task=\"t" + j + "\"}"))
                    .isCloseTo(lastRow.get(j).asDouble(), within(1e-9));
        }
        given().get("/api/models/nobody-" + model + "/metrics").then().statusCode(404);
    }

    /** The figures of docs/algorithms.md, recomputed from the event's own matrix (sequential tasks: row i ends task i). */
    private static void assertFiguresMatchMatrix(JsonNode e) {
        JsonNode r = e.get("matrix");
        int t = r.size();
        double acc = 0;
        double la = 0;
        for (int j = 0; j < t; j++) {
            acc += r.get(t - 1).get(j).asDouble() / t;
            la += r.get(j).get(j).asDouble() / t;
        }
        assertThat(e.get("acc").asDouble()).isCloseTo(acc, within(1e-12));
        assertThat(e.get("la").asDouble()).isCloseTo(la, within(1e-12));
        if (t == 1) {
            assertThat(e.get("bwt").isNull()).isTrue();
            assertThat(e.get("forgetting").isNull()).isTrue();
            return;
        }
        double bwt = 0;
        double forgetting = 0;
        double fwt = 0;
        for (int j = 0; j < t - 1; j++) {
            bwt += (r.get(t - 1).get(j).asDouble() - r.get(j).get(j).asDouble()) / (t - 1);
            double max = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < t - 1; l++) {
                max = Math.max(max, r.get(l).get(j).asDouble());
            }
            forgetting += (max - r.get(t - 1).get(j).asDouble()) / (t - 1);
        }
        for (int j = 1; j < t; j++) {
            fwt += (e.get("before_training").get(j).asDouble() - e.get("baseline").get(j).asDouble()) / (t - 1);
        }
        assertThat(e.get("bwt").asDouble()).isCloseTo(bwt, within(1e-12));
        assertThat(e.get("forgetting").asDouble()).isCloseTo(forgetting, within(1e-12));
        assertThat(e.get("fwt").asDouble()).isCloseTo(fwt, within(1e-12));
    }
}
