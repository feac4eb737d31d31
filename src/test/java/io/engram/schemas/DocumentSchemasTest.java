package io.engram.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.engram.api.Status;
import io.engram.evaluate.MetricsEvent;
import io.engram.publish.Documents;
import io.engram.publish.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every document the service writes, built by the service's factories and serialised as the service
 * serialises it, validates against its schema in schemas/ and keeps the exact form of the golden files
 * in src/test/resources/documents/ (written by the map-based builders these records replaced).
 */
class DocumentSchemasTest {

    private static final Path SCHEMAS = Path.of("schemas");
    private static final Path GOLDEN = Path.of("src/test/resources/documents");
    private static final ObjectMapper JSON = Documents.mapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.schemaMappers(m -> m.mapPrefix("https://engram.io/schemas/", SCHEMAS.toAbsolutePath().toUri().toString())));

    private static Set<ValidationMessage> validate(String schema, Object document) {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        JsonNode json = JSON.valueToTree(document);
        return FACTORY.getSchema(SchemaLocation.of("https://engram.io/schemas/" + schema), config).validate(json);
    }

    private static void assertGolden(String file, Object document) throws IOException {
        assertThat(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document) + "\n").isEqualTo(Files.readString(GOLDEN.resolve(file)));
    }

    @Test
    void manifest_withArtifactsAndFoldedTriggers_validatesInItsGoldenForm() throws IOException {
        Manifest manifest = DocumentFixtures.manifest(true, null);
        assertThat(validate("model-version.schema.json", manifest)).isEmpty();
        assertGolden("manifest.json", manifest);
    }

    @Test
    void manifest_withOneTriggerAndFeatures_validatesWithoutTheFoldedMembers() {
        Manifest manifest = DocumentFixtures.manifest(false, List.of("age", "income"));
        assertThat(validate("model-version.schema.json", manifest)).isEmpty();
        JsonNode json = JSON.valueToTree(manifest);
        assertThat(json.has("triggers")).isFalse();
        assertThat(json.has("triggers_folded")).isFalse();
        assertThat(json.path("architecture").path("features").toString()).isEqualTo("[\"age\",\"income\"]");
        assertThat(json.path("artifacts").get(1).has("chunk_bytes")).isFalse();
        assertThat(json.path("architecture").path("layers").get(0).has("loss")).isFalse();
    }

    @Test
    void metricsEvent_withMatrix_validatesWholeAndWindowed() throws IOException {
        MetricsEvent event = DocumentFixtures.metricsEvent();
        assertThat(validate("metrics.schema.json", event.document())).isEmpty();
        assertThat(validate("metrics.schema.json", event.withVersion(7).document(1))).isEmpty();
        assertGolden("metrics.json", event.document());
    }

    @Test
    void status_validatesInItsGoldenForm() throws IOException {
        Status status = DocumentFixtures.status();
        assertThat(validate("status.schema.json", status)).isEmpty();
        assertGolden("status.json", status);
    }

    @Test
    void aliasAndModelListing_keepTheirGoldenForm() throws IOException {
        assertGolden("alias.json", DocumentFixtures.alias());
        assertGolden("models.json", DocumentFixtures.listing());
    }

    @Test
    void manifestTrigger_ofADrift_namesTheSegmentItBegins() {
        Manifest m = DocumentFixtures.manifest(true, null);
        for (String trigger : new String[] {"drift:t#2", "drift:perm-03#17", "drift:t", "drift:t#x", "drift:a b#2"}) {
            Manifest drift = new Manifest(m.model(), m.version(), m.parent(), m.created(), trigger, m.triggers(), m.triggersFolded(),
                    m.tasks(), m.examplesSeen(), m.offsets(), m.artifact(), m.artifacts(), m.architecture(), m.training(), m.metrics(),
                    m.runtime());
            boolean valid = trigger.matches("drift:[a-z0-9-]+#[0-9]+");
            assertThat(validate("model-version.schema.json", drift)).as(trigger).hasSize(valid ? 0 : 1);
        }
    }

    @Test
    void manifest_withNullRequiredMembers_failsValidation() {
        Manifest m = DocumentFixtures.manifest(true, null);
        Manifest noTrigger = new Manifest(m.model(), m.version(), m.parent(), m.created(), null, m.triggers(), m.triggersFolded(), m.tasks(),
                m.examplesSeen(), m.offsets(), m.artifact(), m.artifacts(), m.architecture(), m.training(), m.metrics(), m.runtime());
        assertThat(validate("model-version.schema.json", noTrigger)).extracting(ValidationMessage::getInstanceLocation)
                .extracting(Object::toString).containsExactly("/trigger");
        Manifest.Artifact a = m.artifact();
        Manifest noHash = new Manifest(m.model(), m.version(), m.parent(), m.created(), m.trigger(), m.triggers(), m.triggersFolded(),
                m.tasks(), m.examplesSeen(), m.offsets(), new Manifest.Artifact(a.format(), a.bytes(), null, a.chunks(), a.chunkBytes()),
                m.artifacts(), m.architecture(), m.training(), null, m.runtime());
        assertThat(validate("model-version.schema.json", noHash)).extracting(ValidationMessage::getInstanceLocation)
                .extracting(Object::toString).contains("/artifact/sha256", "/metrics");
    }

    @Test
    void metricsAndStatus_withNullRequiredMembers_failValidation() {
        MetricsEvent e = DocumentFixtures.metricsEvent();
        MetricsEvent noModel = new MetricsEvent(null, e.version(), e.afterTask(), e.tasks(), e.matrix(), e.rowTasks(), e.baseline(),
                e.beforeTraining(), e.figures(), e.prequentialAccuracy(), e.taskLoss(), e.examplesSeen(), e.evaluationSeconds(), e.created());
        assertThat(validate("metrics.schema.json", noModel.document())).extracting(ValidationMessage::getInstanceLocation)
                .extracting(Object::toString).containsExactly("/model");
        Status s = DocumentFixtures.status();
        Status noTopics = new Status(s.bootstrapServers(), null, s.ingest(), s.error(), s.models(), Map.of("m",
                new Status.ParkedModel(null, Instant.EPOCH.toString())), s.instance());
        assertThat(validate("status.schema.json", noTopics)).extracting(ValidationMessage::getInstanceLocation)
                .extracting(Object::toString).containsExactlyInAnyOrder("/topics", "/parked_models/m/reason");
    }

    @Test
    void documents_doNotDependOnTheMappersInclusion() throws IOException {
        ObjectMapper other = Documents.mapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
        for (Object document : List.of(DocumentFixtures.manifest(true, null), DocumentFixtures.metricsEvent().document(),
                DocumentFixtures.status(), DocumentFixtures.alias())) {
            assertThat(other.writeValueAsString(document)).isEqualTo(JSON.writeValueAsString(document));
        }
    }
}
