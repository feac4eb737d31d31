package io.engram.publish;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaAccess;
import io.engram.support.Await;
import io.engram.support.Prometheus;
import io.engram.support.TestRecords;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The model topics poisoned as the issue found them (a chunk keyed {@code <model>:1:1:0}, a
 * manifest that is not JSON, keys that do not parse, a chunk beyond the manifest's count): loading
 * them skips and counts those records and keeps the good versions, which HTTP still serves, and a
 * catalog holding nothing reads a version back from Kafka on demand, byte for byte, each format
 * of it when first asked for.
 */
@QuarkusTest
class CatalogIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    KafkaAccess kafka;

    @Inject
    ModelPublisher publisher;

    @Test
    void poisonedModelTopicsAreSkippedAndCountedAndTheGoodVersionsServed() throws Exception {
        String model = "cat-" + UUID.randomUUID().toString().substring(0, 8);
        List<byte[]> records = new ArrayList<>();
        for (int task = 0; task < 2; task++) {
            for (int i = 0; i < 30; i++) {
                int c = i % 3;
                records.add(TestRecords.utf8("{\"task\":\"t" + task + "\",\"split\":\"" + (i < 9 ? "eval" : "train") + "\",\"y\":" + c
                        + ",\"x\":[" + (c == 0 ? 1 : 0) + "," + (c == 1 ? 1 : 0) + "," + (c == 2 ? 1 : 0) + "," + task + "]}"));
            }
            records.add(TestRecords.utf8("{\"type\":\"task_end\",\"task\":\"t" + task + "\"}"));
        }
        TestRecords.produce(kafka.clients(), kafka.topics().examples(), model, records);
        Await.until(Duration.ofSeconds(90), "2 versions of " + model, () -> publisher.catalog().latestVersion(model) == 2,
                () -> publisher.catalog().models().get(model));
        byte[] v1 = Pull.pull(kafka.clients(), kafka.topics(), model, "1").artifact();

        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer("poisoner")) {
            producer.send(new ProducerRecord<>(kafka.topics().modelChunks(), TestRecords.utf8(model + ":1:1:0"), new byte[] {1, 2, 3})).get();
            producer.send(new ProducerRecord<>(kafka.topics().modelChunks(), TestRecords.utf8(model + ":1:77"), new byte[] {4})).get();
            producer.send(new ProducerRecord<>(kafka.topics().models(), TestRecords.utf8(model + ":3"), TestRecords.utf8("{not json"))).get();
            producer.send(new ProducerRecord<>(kafka.topics().models(), TestRecords.utf8(model + ":1:1"), TestRecords.utf8("{}"))).get();
            producer.send(new ProducerRecord<>(kafka.topics().models(), TestRecords.utf8(model + ":@stable"), TestRecords.utf8("[]"))).get();
        }
        String metricsBefore = given().get("/q/metrics").then().statusCode(200).extract().asString();
        double badJsonBefore = series(metricsBefore, kafka.topics().models(), "bad_json");
        double badKeyBefore = series(metricsBefore, kafka.topics().models(), "bad_key");

        assertThatCode(publisher::load).as("loading the poisoned topics").doesNotThrowAnyException();

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(series(metrics, kafka.topics().models(), "bad_json")).as("bad_json").isGreaterThanOrEqualTo(badJsonBefore + 1);
        assertThat(series(metrics, kafka.topics().models(), "bad_key")).as("bad_key").isGreaterThanOrEqualTo(badKeyBefore + 1);
        assertThat(publisher.catalog().models().get(model)).containsExactly(2L, 1L);
        assertThat(publisher.catalog().aliases(model)).doesNotContainKey("stable").containsEntry("latest", 2L);
        assertThat(publisher.lastVersion(model)).isEqualTo(2L);

        // over HTTP, the good versions are served; version 3 is not one
        given().get("/api/models/" + model + "/versions/1").then().statusCode(200);
        given().get("/api/models/" + model + "/versions/3").then().statusCode(404);
        assertThat(given().get("/api/models/" + model + "/versions/1/artifact").then().statusCode(200).extract().asByteArray()).isEqualTo(v1);
        JsonNode prediction = JSON.readTree(given().contentType("application/json").body("{\"x\":[1,0,0,0]}")
                .post("/api/models/" + model + "/predict?version=1").then().statusCode(200).extract().asString());
        assertThat(prediction.get("version").asLong()).isEqualTo(1);

        // a catalog that holds nothing reads version 1 back from Kafka, skipping the chunk of another format and the extra chunk
        SkippedRecords skips = new SkippedRecords(new SimpleMeterRegistry());
        ModelCatalog empty = new ModelCatalog(1, 10, new ModelCatalog.Reader() {
            @Override
            public JsonNode manifest(String m, long v, long created) {
                return ModelTopics.readManifest(kafka.clients(), kafka.topics(), m, v, created, skips);
            }

            @Override
            public byte[] artifact(JsonNode manifest, String format) {
                return ModelTopics.readArtifact(kafka.clients(), kafka.topics(), manifest, format, skips);
            }
        });
        JsonNode manifest = JSON.readTree(given().get("/api/models/" + model + "/versions/1").then().extract().asString());
        empty.index(model, 1, java.time.Instant.parse(manifest.get("created").asText()).toEpochMilli());
        empty.index(model, 2, -1);
        ModelCatalog.Entry read = empty.find(model, "1");
        assertThat(read.artifact()).isEqualTo(v1);
        assertThat(read.predict(new float[] {1, 0, 0, 0})[0]).isCloseTo((float) prediction.get("probabilities").get(0).asDouble(),
                org.assertj.core.api.Assertions.within(1e-6f));
        assertThat(skips.count(kafka.topics().modelChunks(), "other_format")).as("the chunk of a format the manifest does not list")
                .isEqualTo(1);
        assertThat(skips.count(kafka.topics().modelChunks(), "extra_chunk")).isEqualTo(1);
        // its ONNX model, read on its own when first asked for, equals pull --format onnx and HTTP ?format=onnx
        byte[] onnx = Pull.pull(kafka.clients(), kafka.topics(), model, "1", Artifacts.ONNX).artifact();
        assertThat(read.artifact(Artifacts.ONNX)).isEqualTo(onnx);
        assertThat(given().get("/api/models/" + model + "/versions/1/artifact?format=onnx").then().statusCode(200).extract()
                .asByteArray()).isEqualTo(onnx);
        assertThat(skips.count(kafka.topics().modelChunks(), "extra_chunk")).as("the zip's extra chunk is not an ONNX chunk").isEqualTo(1);
        assertThat(empty.find(model, "2").artifact()).isEqualTo(Pull.pull(kafka.clients(), kafka.topics(), model, "2").artifact());
        assertThat(empty.cached()).isEqualTo(1);
    }

    @Test
    void predictBodiesOverTheLimitAre413BeforeParsing() throws Exception {
        // 64 KiB default; the body is not JSON, so only the limit can answer (a parser would say 400)
        String big = "{\"x\":[" + "1,".repeat(40_000) + "1]";
        JsonNode error = JSON.readTree(given().contentType("application/json").body(big).post("/api/models/any/predict")
                .then().statusCode(413).extract().asString());
        assertThat(error.get("error").asText()).isEqualTo("too_large");
        assertThat(error.get("message").asText()).contains("engram.api.max-body-bytes").contains("65536");
        given().contentType("application/json").body("{\"x\":[1,2,3,4]}").post("/api/models/no-such-model/predict").then().statusCode(404);
    }

    private static double series(String metrics, String topic, String reason) {
        String name = "engram_catalog_skipped_records_total{reason=\"" + reason + "\",topic=\"" + topic + "\"}";
        return metrics.contains(name) ? Prometheus.value(metrics, name) : 0;
    }
}
