package io.engram.publish;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import io.engram.broker.KafkaAccess;
import io.engram.learn.Dl4jModels;
import io.engram.support.Await;
import io.engram.support.TestRecords;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Versions from the running service, read back from Kafka alone: in order with a parent chain,
 * multi-chunk artifacts rebuilt byte for byte by pull and equal to the HTTP artifact, predictions
 * of plain DL4J on the pulled artifact equal to HTTP predict, a corrupt chunk detected, an aborted
 * transaction invisible, and the stable alias only on versions that pass the guard.
 */
@QuarkusTest
class PublishIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    KafkaAccess kafka;

    @Test
    void versionsArePublishedExactlyOnceAndPullableFromKafkaAlone() throws Exception {
        String model = "pub-" + UUID.randomUUID().toString().substring(0, 8);
        SplittableRandom random = new SplittableRandom(5);
        List<List<byte[]>> parts = new ArrayList<>();
        for (int task = 0; task < 2; task++) {
            List<byte[]> records = new ArrayList<>();
            parts.add(records);
            for (String split : new String[] {"eval", "train"}) {
                for (int i = 0; i < (split.equals("eval") ? 40 : 150); i++) {
                    int c = random.nextInt(3);
                    StringBuilder x = new StringBuilder();
                    for (int d = 0; d < 4; d++) {
                        x.append(d == 0 ? "" : ",").append(String.format("%.3f", random.nextGaussian() * 0.3 + ((d + task) % 4 == c ? 2 : 0)));
                    }
                    records.add(TestRecords.utf8("{\"task\":\"t" + task + "\",\"x\":[" + x + "],\"y\":" + c + ",\"split\":\"" + split + "\"}"));
                }
            }
            records.add(TestRecords.utf8("{\"type\":\"task_end\",\"task\":\"t" + task + "\"}"));
        }
        parts.add(List.of(TestRecords.utf8("{\"type\":\"publish\"}")));

        // each trigger in its own batch (triggers of one batch fold into one version)
        Map<String, byte[]> onKafka = new java.util.HashMap<>();
        for (int part = 0; part < parts.size(); part++) {
            TestRecords.produce(kafka.clients(), kafka.topics().examples(), model, parts.get(part));
            int expected = part + 1;
            Await.until(Duration.ofSeconds(90), expected + " versions of " + model + " on " + kafka.topics().models(), () -> {
                onKafka.clear();
                onKafka.putAll(ModelTopics.readLatest(kafka.clients(), kafka.topics().models(), k -> k.startsWith(model + ":")));
                return onKafka.keySet().stream().filter(k -> !k.contains(":@")).count() == expected;
            }, onKafka::keySet);
        }

        var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                b -> b.schemaMappers(m -> m.mapPrefix("https://engram.io/schemas/", Path.of("schemas").toAbsolutePath().toUri().toString())))
                .getSchema(SchemaLocation.of("https://engram.io/schemas/model-version.schema.json"));
        String[] triggers = {"task_end:t0", "task_end:t1", "publish"};
        for (int v = 1; v <= 3; v++) {
            JsonNode manifest = JSON.readTree(onKafka.get(model + ":" + v));
            assertThat(schema.validate(manifest)).as("manifest %d against the schema", v).isEmpty();
            assertThat(manifest.get("version").asLong()).isEqualTo(v);
            assertThat(manifest.get("parent").isNull() ? null : manifest.get("parent").asLong()).isEqualTo(v == 1 ? null : (long) v - 1);
            assertThat(manifest.get("trigger").asText()).isEqualTo(triggers[v - 1]);
            assertThat(manifest.get("artifact").get("chunks").asInt()).as("artifact in 4 KiB chunks").isGreaterThan(1);
            assertThat(manifest.get("metrics").get("version").asLong()).isEqualTo(v);
            assertThat(manifest.get("offsets").get(kafka.topics().examples() + "-0").asLong()).isPositive();
        }
        JsonNode v2 = JSON.readTree(onKafka.get(model + ":2"));
        assertThat(v2.get("tasks")).hasSize(2);

        // pull from Kafka alone equals the HTTP artifact, and its ETag is the SHA-256
        Pull.Pulled pulled = Pull.pull(kafka.clients(), kafka.topics(), model, "2");
        var http = given().get("/api/models/" + model + "/versions/2/artifact").then().statusCode(200).extract();
        assertThat(http.asByteArray()).isEqualTo(pulled.artifact());
        assertThat(http.header("ETag").replace("\"", "")).isEqualTo(Artifacts.sha256(pulled.artifact()));
        given().header("If-None-Match", "\"" + Artifacts.sha256(pulled.artifact()) + "\"")
                .get("/api/models/" + model + "/versions/2/artifact").then().statusCode(304);

        // plain DL4J on the pulled artifact predicts what the service predicts for version 2
        Dl4jModels.Loaded loaded = Dl4jModels.read(new ByteArrayInputStream(pulled.artifact()));
        float[] x = {0.1f, 2.0f, -0.3f, 0.4f};
        INDArray out = loaded.network().output(Nd4j.createFromArray(x).reshape(1, 4));
        JsonNode prediction = JSON.readTree(given().contentType("application/json").body("{\"x\":[0.1,2.0,-0.3,0.4]}")
                .post("/api/models/" + model + "/predict?version=2").then().statusCode(200).extract().asString());
        assertThat(prediction.get("version").asLong()).isEqualTo(2);
        for (int c = 0; c < 3; c++) {
            assertThat(prediction.get("probabilities").get(c).asDouble()).isCloseTo(out.getDouble(0, c), within(1e-5));
        }
        given().contentType("application/json").body("{\"x\":[1,2]}").post("/api/models/" + model + "/predict")
                .then().statusCode(400);
        JsonNode list = JSON.readTree(given().get("/api/models").then().statusCode(200).extract().asString());
        boolean listed = false;
        for (JsonNode m : list) {
            if (m.get("model").asText().equals(model)) {
                listed = true;
                assertThat(m.get("versions").toString()).isEqualTo("[3,2,1]");
            }
        }
        assertThat(listed).isTrue();
        given().get("/api/models/" + model + "/latest").then().statusCode(200);
        given().get("/api/models/" + model + "/versions/9").then().statusCode(404);

        // stable sits on the newest version that passes the guard (defaults: ACC >= 0.5, forgetting <= 0.2)
        Long expectedStable = null;
        for (int v = 1; v <= 3; v++) {
            JsonNode metrics = JSON.readTree(onKafka.get(model + ":" + v)).get("metrics");
            Double acc = metrics.get("acc").isNull() ? null : metrics.get("acc").asDouble();
            Double forgetting = metrics.get("forgetting").isNull() ? null : metrics.get("forgetting").asDouble();
            if (acc != null && acc >= 0.5 && (forgetting == null || forgetting <= 0.2)) {
                expectedStable = (long) v;
            }
        }
        byte[] stable = onKafka.get(model + ":@stable");
        assertThat(stable == null ? null : JSON.readTree(stable).get("version").asLong()).isEqualTo(expectedStable);
        assertThat(JSON.readTree(onKafka.get(model + ":@latest")).get("version").asLong()).isEqualTo(3);

        // a corrupt chunk is detected by pull
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer("corrupter")) {
            producer.send(new ProducerRecord<>(kafka.topics().modelChunks(), TestRecords.utf8(model + ":2:0"), new byte[] {1, 2, 3})).get();
        }
        assertThatThrownBy(() -> Pull.pull(kafka.clients(), kafka.topics(), model, "2"))
                .isInstanceOf(ModelTopics.ArtifactMismatchException.class).hasMessageContaining("version 2");

        // a version written in an aborted transaction is never visible to read_committed readers
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().transactionalProducer("aborter", "abort-" + model)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(kafka.topics().modelChunks(), TestRecords.utf8(model + ":99:0"), new byte[] {9}));
            producer.send(new ProducerRecord<>(kafka.topics().models(), TestRecords.utf8(model + ":99"), TestRecords.utf8("{\"model\":\"x\"}")));
            producer.flush();
            producer.abortTransaction();
        }
        assertThat(ModelTopics.readLatest(kafka.clients(), kafka.topics().models(), k -> k.startsWith(model + ":"))).doesNotContainKey(model + ":99");
        assertThat(ModelTopics.readLatest(kafka.clients(), kafka.topics().modelChunks(), k -> k.startsWith(model + ":99"))).isEmpty();
    }
}
