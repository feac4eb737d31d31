package io.engram.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.engram.network.Activation;
import io.engram.network.Dl4jModels;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The catalog holds at most cached-versions versions in full (least recently used evicted), lists
 * at most listed-versions numbers per model, reads what it does not hold through its reader (once,
 * then cached), and predicts with the artifact's own parameters.
 */
class ModelCatalogTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MlpSpec SPEC = new MlpSpec(4, List.of(5), 3, Activation.RELU);

    private static ModelCatalog.Entry entry(long version, byte[] artifact) {
        JsonNode manifest = JSON.valueToTree(Map.of("model", "m", "version", version, "created", Instant.ofEpochMilli(1000 * version).toString(),
                "artifact", Map.of("sha256", Artifacts.sha256(artifact)), "architecture", Map.of("input_size", 4)));
        return ModelCatalog.entry(version, manifest, artifact, null, null);
    }

    /** A reader of versions whose artifact is one byte, the version number; records what it reads. */
    private static ModelCatalog.Reader reader(List<String> reads) {
        return new ModelCatalog.Reader() {
            @Override
            public JsonNode manifest(String model, long version, long createdMillis) {
                reads.add(model + ":" + version + "@" + createdMillis);
                return entry(version, new byte[] {(byte) version}).manifest();
            }

            @Override
            public byte[] artifact(JsonNode manifest, String format) {
                reads.add((format.equals(Artifacts.FORMAT) ? "artifact " : format + " ") + manifest.get("version").asLong());
                return format.equals(Artifacts.FORMAT) ? new byte[] {(byte) manifest.get("version").asLong()}
                        : new byte[] {(byte) manifest.get("version").asLong(), 0x0F};
            }
        };
    }

    @Test
    void holdsAtMostCachedVersionsAndReadsTheOthersOnce() {
        List<String> reads = new ArrayList<>();
        ModelCatalog catalog = new ModelCatalog(2, 1000, reader(reads));
        for (long v = 1; v <= 4; v++) {
            catalog.add("m", entry(v, new byte[] {(byte) v}));
        }
        assertThat(catalog.cached()).isEqualTo(2);
        assertThat(catalog.models()).containsEntry("m", List.of(4L, 3L, 2L, 1L));
        assertThat(catalog.find("m", "latest").version()).isEqualTo(4);
        assertThat(catalog.find("m", "3").version()).isEqualTo(3);
        assertThat(reads).isEmpty();
        ModelCatalog.Entry one = catalog.find("m", "1");
        assertThat(reads).containsExactly("m:1@1000"); // the manifest, read from the version's creation time
        assertThat(one.artifact()).containsExactly(1);
        assertThat(one.artifact()).containsExactly(1);
        assertThat(reads).containsExactly("m:1@1000", "artifact 1"); // the artifact when first asked for, once
        assertThat(catalog.find("m", "1").version()).isEqualTo(1);
        assertThat(reads).hasSize(2); // now held
        assertThat(catalog.cached()).isEqualTo(2);
        assertThat(catalog.find("m", "4").version()).isEqualTo(4); // 4 was the least recently used: read again
        assertThat(reads).containsExactly("m:1@1000", "artifact 1", "m:4@4000");
        assertThat(catalog.find("m", "9")).isNull();
        assertThat(catalog.find("m", "x")).isNull();
        assertThat(catalog.find("other", "latest")).isNull();
        assertThat(catalog.find("m", "stable")).isNull();
        catalog.alias("m", "stable", 2);
        assertThat(catalog.find("m", "stable").version()).isEqualTo(2);
        assertThat(reads).hasSize(4);
    }

    @Test
    void readsEachFormatItsManifestListsOnceAndNoOther() {
        List<String> reads = new ArrayList<>();
        ModelCatalog.Reader formats = new ModelCatalog.Reader() {
            @Override
            public JsonNode manifest(String model, long version, long createdMillis) {
                ObjectNode manifest = (ObjectNode) reader(reads).manifest(model, version, createdMillis);
                if (version == 2) { // version 1 was published before ONNX export: its manifest lists no artifacts
                    manifest.set("artifacts", JSON.valueToTree(List.of(
                            Map.of("format", Artifacts.FORMAT, "sha256", manifest.path("artifact").path("sha256").asText()),
                            Map.of("format", Artifacts.ONNX, "sha256", Artifacts.sha256(new byte[] {2, 0x0F})))));
                }
                return manifest;
            }

            @Override
            public byte[] artifact(JsonNode manifest, String format) {
                return reader(reads).artifact(manifest, format);
            }
        };
        ModelCatalog catalog = new ModelCatalog(4, 10, formats);
        catalog.index("m", 1, 1000);
        catalog.index("m", 2, 2000);
        ModelCatalog.Entry two = catalog.find("m", "2");
        assertThat(two.formats()).containsExactly(Artifacts.FORMAT, Artifacts.ONNX);
        assertThat(two.sha256(Artifacts.ONNX)).isEqualTo(Artifacts.sha256(new byte[] {2, 0x0F}));
        assertThat(two.artifact(Artifacts.ONNX)).containsExactly(2, 0x0F);
        assertThat(two.artifact(Artifacts.ONNX)).containsExactly(2, 0x0F);
        assertThat(reads).containsExactly("m:2@2000", "onnx 2"); // the ONNX model alone, once
        assertThat(two.artifact()).containsExactly(2);
        assertThat(reads).endsWith("artifact 2");
        ModelCatalog.Entry one = catalog.find("m", "1");
        int before = reads.size();
        assertThat(one.formats()).containsExactly(Artifacts.FORMAT);
        assertThat(one.sha256(Artifacts.ONNX)).isNull();
        assertThat(one.artifact(Artifacts.ONNX)).as("a format the manifest does not list").isNull();
        assertThat(reads).hasSize(before); // nothing read for it
        // a version published by this process holds both formats and reads nothing
        ModelCatalog.Entry held = ModelCatalog.entry(3, two.manifest(), Map.of(Artifacts.FORMAT, new byte[] {3},
                Artifacts.ONNX, new byte[] {3, 0x0F}), null, null);
        assertThat(held.artifact(Artifacts.ONNX)).containsExactly(3, 0x0F);
        assertThat(held.artifact()).containsExactly(3);
        assertThat(reads).hasSize(before);
    }

    @Test
    void listsAtMostListedVersionsAndStillServesOlderOnesByNumber() {
        List<String> reads = new ArrayList<>();
        ModelCatalog catalog = new ModelCatalog(1, 3, reader(reads));
        for (long v = 1; v <= 6; v++) {
            catalog.index("m", v, 1000 * v);
        }
        assertThat(catalog.models().get("m")).containsExactly(6L, 5L, 4L);
        assertThat(catalog.latestVersion("m")).isEqualTo(6);
        assertThat(catalog.find("m", "2").version()).isEqualTo(2);
        assertThat(reads).containsExactly("m:2@-1"); // older than the index: no creation time, read from the beginning
        catalog.remove("m", 5);
        assertThat(catalog.find("m", "5")).isNull(); // inside the listed range but gone
        assertThat(catalog.find("m", "0")).isNull();
    }

    @Test
    void anUnusableArtifactIsReportedWhenAskedFor() {
        ModelCatalog catalog = new ModelCatalog(4, 10, new ModelCatalog.Reader() {
            @Override
            public JsonNode manifest(String model, long version, long createdMillis) {
                return entry(version, new byte[0]).manifest();
            }

            @Override
            public byte[] artifact(JsonNode manifest, String format) {
                throw new ModelTopics.ArtifactMismatchException("version 1 of model m: SHA-256 mismatch");
            }
        });
        catalog.index("m", 1, 0);
        ModelCatalog.Entry entry = catalog.find("m", "1");
        assertThat(entry.manifest().get("version").asLong()).isEqualTo(1); // the manifest is still served
        assertThatThrownBy(entry::artifact).isInstanceOf(ModelTopics.ArtifactMismatchException.class);
        assertThatThrownBy(() -> entry.predict(new float[4])).isInstanceOf(ModelTopics.ArtifactMismatchException.class);
    }

    @Test
    void predictsWithTheArtifactsParametersFromOneNetwork() throws Exception {
        JvmMlp net = new JvmMlp(SPEC, 1, 3L);
        float[] params = new float[SPEC.parameterCount()];
        net.parameters(params);
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        Dl4jModels.write(SPEC, params, zip);
        ModelCatalog.Entry entry = entry(1, zip.toByteArray());
        float[] x = {0.5f, -1f, 2f, 0.25f};
        float[] expected = new float[3];
        net.predict(x, 0, expected);
        assertThat(entry.predict(x)).containsExactly(expected);
        assertThat(entry.predict(x)).containsExactly(expected);
        ModelCatalog.Entry corrupt = entry(2, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> corrupt.predict(x)).isInstanceOf(ModelTopics.ArtifactMismatchException.class)
                .hasMessageContaining("version 2");
    }
}
