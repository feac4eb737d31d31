package io.engram.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The example documents in schemas/examples/ are the golden files of the contract: they must validate. */
class GoldenFilesTest {

    private static final Path SCHEMAS = Path.of("schemas");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.schemaMappers(m -> m.mapPrefix("https://engram.io/schemas/", SCHEMAS.toAbsolutePath().toUri().toString())));

    private static JsonSchema schema(String name) {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return FACTORY.getSchema(com.networknt.schema.SchemaLocation.of("https://engram.io/schemas/" + name), config);
    }

    private static JsonNode read(String example) throws IOException {
        return JSON.readTree(Files.readString(SCHEMAS.resolve("examples").resolve(example)));
    }

    @ParameterizedTest
    @CsvSource({
        "example.schema.json, example-dense.json",
        "example.schema.json, example-features.json",
        "control.schema.json, control-task-end.json",
        "control.schema.json, control-publish.json",
        "dead-letter.schema.json, dead-letter-headers.json",
        "metrics.schema.json, metrics.json",
        "model-version.schema.json, model-version.json",
        "model-version.schema.json, model-version-v2.json"
    })
    void goldenFile_validatesAgainstItsSchema(String schema, String example) throws IOException {
        assertThat(schema(schema).validate(read(example))).isEmpty();
    }

    @Test
    void manifest_withoutArtifactHash_isRejected() throws IOException {
        ObjectNode manifest = (ObjectNode) read("model-version.json");
        ((ObjectNode) manifest.get("artifact")).remove("sha256");
        assertThat(schema("model-version.schema.json").validate(manifest)).isNotEmpty();
    }

    @Test
    void manifest_withArtifactsEntryWithoutHash_isRejected() throws IOException {
        ObjectNode manifest = (ObjectNode) read("model-version-v2.json");
        ((ObjectNode) manifest.get("artifacts").get(1)).remove("sha256");
        assertThat(schema("model-version.schema.json").validate(manifest)).isNotEmpty();
    }

    @Test
    void manifest_withInvalidNestedMetrics_isRejected() throws IOException {
        ObjectNode manifest = (ObjectNode) read("model-version.json");
        ((ObjectNode) manifest.get("metrics")).put("acc", "high");
        assertThat(schema("model-version.schema.json").validate(manifest)).isNotEmpty();
    }

    @Test
    void metrics_withAccuracyAboveOne_isRejected() throws IOException {
        ObjectNode metrics = (ObjectNode) read("metrics.json");
        ((com.fasterxml.jackson.databind.node.ArrayNode) metrics.get("matrix").get(0)).set(0, JSON.getNodeFactory().numberNode(1.5));
        assertThat(schema("metrics.schema.json").validate(metrics)).isNotEmpty();
    }

    @Test
    void deadLetter_withUnknownReason_isRejected() throws IOException {
        ObjectNode headers = (ObjectNode) read("dead-letter-headers.json");
        headers.put("engram.error.reason", "oops");
        assertThat(schema("dead-letter.schema.json").validate(headers)).isNotEmpty();
    }
}
