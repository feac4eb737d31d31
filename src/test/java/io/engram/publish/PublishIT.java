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
import io.engram.network.Dl4jModels;
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
            JsonNode artifacts = manifest.get("artifacts");
            assertThat(artifacts).as("the artifacts of version %d", v).hasSize(2);
            assertThat(artifacts.get(0).get("format").asText()).isEqualTo("dl4j-multilayernetwork-zip");
            assertThat(artifacts.get(0).get("sha256")).isEqualTo(manifest.get("artifact").get("sha256"));
            assertThat(artifacts.get(0).get("chunks")).isEqualTo(manifest.get("artifact").get("chunks"));
            assertThat(artifacts.get(1).get("format").asText()).isEqualTo("onnx");
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

        // the ONNX model: pull --format onnx equals HTTP ?format=onnx, its chunks are keyed <model>:<version>:onnx:<index>,
        // and the graph it holds predicts what the service predicts
        Pull.Pulled onnx = Pull.pull(kafka.clients(), kafka.topics(), model, "2", "onnx");
        JsonNode onnxEntry = ModelTopics.artifactEntry(onnx.manifest(), "onnx");
        assertThat(onnx.artifact()).hasSize(onnxEntry.get("bytes").asInt());
        assertThat(ModelTopics.readLatest(kafka.clients(), kafka.topics().modelChunks(), k -> k.startsWith(model + ":2:onnx:")))
                .hasSize(onnxEntry.get("chunks").asInt());
        var httpOnnx = given().get("/api/models/" + model + "/versions/2/artifact?format=onnx").then().statusCode(200).extract();
        assertThat(httpOnnx.asByteArray()).isEqualTo(onnx.artifact());
        assertThat(httpOnnx.header("ETag").replace("\"", "")).isEqualTo(onnxEntry.get("sha256").asText())
                .isEqualTo(Artifacts.sha256(onnx.artifact()));
        assertThat(JSON.readTree(given().get("/api/models/" + model + "/versions/2/artifact?format=pickle").then().statusCode(400)
                .extract().asString()).get("error").asText()).isEqualTo("unknown_format");
        double[] onnxProbabilities = OnnxExportTest.run(ai.onnx.proto.OnnxMl.ModelProto.parseFrom(onnx.artifact()),
                new float[] {0.1f, 2.0f, -0.3f, 0.4f});

        // plain DL4J on the pulled artifact predicts what the service predicts for version 2
        Dl4jModels.Loaded loaded = Dl4jModels.read(new ByteArrayInputStream(pulled.artifact()));
        float[] x = {0.1f, 2.0f, -0.3f, 0.4f};
        INDArray out = loaded.network().output(Nd4j.createFromArray(x).reshape(1, 4));
        JsonNode prediction = JSON.readTree(given().contentType("application/json").body("{\"x\":[0.1,2.0,-0.3,0.4]}")
                .post("/api/models/" + model + "/predict?version=2").then().statusCode(200).extract().asString());
        assertThat(prediction.get("version").asLong()).isEqualTo(2);
        for (int c = 0; c < 3; c++) {
            assertThat(prediction.get("probabilities").get(c).asDouble()).isCloseTo(out.getDouble(0, c), within(1e-5));
            assertThat(prediction.get("probabilities").get(c).asDouble()).as("ONNX, class %d", c).isCloseTo(onnxProbabilities[c], within(1e-5));
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
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer("corrupter")) {
            byte[] chunk = ModelTopics.readLatest(kafka.clients(), kafka.topics().modelChunks(), k -> k.equals(model + ":3:onnx:0"))
                    .get(model + ":3:onnx:0").clone();
            chunk[chunk.length / 2] ^= 1;
            producer.send(new ProducerRecord<>(kafka.topics().modelChunks(), TestRecords.utf8(model + ":3:onnx:0"), chunk)).get();
        }
        assertThatThrownBy(() -> Pull.pull(kafka.clients(), kafka.topics(), model, "3", "onnx"))
                .isInstanceOf(ModelTopics.ArtifactMismatchException.class).hasMessageContaining("onnx SHA-256 mismatch");
        assertThat(Pull.pull(kafka.clients(), kafka.topics(), model, "3").artifact()).as("the DL4J zip of version 3 is intact").isNotEmpty();

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
