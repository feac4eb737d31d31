package io.engram.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Keys and values of the model topics: what parses, and the reason of what does not. */
class ModelTopicsTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keysOfTheModelsTopic() throws Exception {
        assertThat(ModelTopics.modelsKey("default:3")).isEqualTo(new ModelTopics.ManifestKey("default", 3));
        assertThat(ModelTopics.modelsKey("fraud-eu.v2:@stable")).isEqualTo(new ModelTopics.AliasKey("fraud-eu.v2", "stable"));
        for (String bad : new String[] {"default:1:1", "default", "default:0", "default:-1", "default:x", ":1", "a b:1", "default:@",
                "default:99999999999999999999", "default:1:@latest"}) {
            assertThatThrownBy(() -> ModelTopics.modelsKey(bad)).as(bad).isInstanceOf(ModelTopics.UnusableRecord.class)
                    .hasMessageContaining(bad).extracting(e -> ((ModelTopics.UnusableRecord) e).reason()).isEqualTo("bad_key");
        }
    }

    @Test
    void keysOfTheChunkTopic() throws Exception {
        assertThat(ModelTopics.chunkKey("default:1:0")).isEqualTo(new ModelTopics.ChunkKey("default", 1, null, 0));
        assertThat(ModelTopics.chunkKey("default:1:onnx:2")).isEqualTo(new ModelTopics.ChunkKey("default", 1, "onnx", 2));
        // the key the issue found crashing the load: a chunk of format "1" of default v1, not chunk "1:0" of default v1
        assertThat(ModelTopics.chunkKey("default:1:1:0")).isEqualTo(new ModelTopics.ChunkKey("default", 1, "1", 0));
        for (String bad : new String[] {"default:1", "default:1:x", "default:1:1:1:0", "default:0:0", "d!:1:0", "default:1:-1"}) {
            assertThatThrownBy(() -> ModelTopics.chunkKey(bad)).as(bad).isInstanceOf(ModelTopics.UnusableRecord.class);
        }
    }

    @Test
    void manifestsMustMatchTheirKey() throws Exception {
        ModelTopics.ManifestKey key = new ModelTopics.ManifestKey("m", 2);
        String good = "{\"model\":\"m\",\"version\":2,\"created\":\"2026-01-02T03:04:05.123Z\","
                + "\"artifact\":{\"chunks\":1,\"bytes\":10,\"sha256\":\"ab\"}}";
        assertThat(ModelTopics.manifest(key, utf8(good)).createdMillis()).isEqualTo(java.time.Instant.parse("2026-01-02T03:04:05.123Z").toEpochMilli());
        String[][] bad = {
            {"not json", "bad_json"}, {"[1,2]", "bad_json"}, {"", "bad_json"},
            {good.replace("\"version\":2", "\"version\":3"), "bad_manifest"},
            {good.replace("\"model\":\"m\"", "\"model\":\"n\""), "bad_manifest"},
            {good.replace("\"chunks\":1", "\"chunks\":0"), "bad_manifest"},
            {good.replace("2026-01-02T03:04:05.123Z", "yesterday"), "bad_manifest"},
        };
        for (String[] b : bad) {
            assertThatThrownBy(() -> ModelTopics.manifest(key, utf8(b[0]))).as(b[0]).isInstanceOf(ModelTopics.UnusableRecord.class)
                    .extracting(e -> ((ModelTopics.UnusableRecord) e).reason()).isEqualTo(b[1]);
        }
        ModelTopics.AliasKey alias = new ModelTopics.AliasKey("m", "latest");
        assertThat(ModelTopics.aliasVersion(alias, utf8("{\"model\":\"m\",\"alias\":\"latest\",\"version\":4}"))).isEqualTo(4);
        assertThatThrownBy(() -> ModelTopics.aliasVersion(alias, utf8("{\"model\":\"m\",\"alias\":\"stable\",\"version\":4}")))
                .isInstanceOf(ModelTopics.UnusableRecord.class);
    }

    @Test
    void eachFormatIsRebuiltFromItsOwnChunksAndCheckedAgainstItsOwnHash() throws Exception {
        byte[] zip = new byte[10];
        byte[] onnx = new byte[7];
        for (int i = 0; i < zip.length; i++) {
            zip[i] = (byte) (i + 1);
        }
        for (int i = 0; i < onnx.length; i++) {
            onnx[i] = (byte) (100 + i);
        }
        java.util.Map<String, byte[]> byFormat = new java.util.LinkedHashMap<>();
        byFormat.put(Artifacts.FORMAT, zip);
        byFormat.put(Artifacts.ONNX, onnx);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode manifest = json.createObjectNode().put("model", "m").put("version", 2);
        manifest.set("artifact", json.valueToTree(java.util.Map.of("format", Artifacts.FORMAT, "bytes", 10, "chunks", 3,
                "sha256", Artifacts.sha256(zip))));
        manifest.set("artifacts", json.valueToTree(Artifacts.describe(byFormat, 4)));
        java.util.Map<String, byte[]> records = new java.util.HashMap<>();
        byFormat.forEach((format, bytes) -> {
            java.util.List<byte[]> chunks = Artifacts.chunks(bytes, 4);
            for (int i = 0; i < chunks.size(); i++) {
                records.put(Artifacts.chunkKey("m", 2, format, i), chunks.get(i));
            }
        });
        assertThat(records).containsKeys("m:2:0", "m:2:2", "m:2:onnx:0", "m:2:onnx:1").hasSize(5);
        assertThat(ModelTopics.formats(manifest)).containsExactly(Artifacts.FORMAT, Artifacts.ONNX);
        assertThat(ModelTopics.assemble(manifest, records)).isEqualTo(zip);
        assertThat(ModelTopics.assemble(manifest, records, Artifacts.ONNX)).isEqualTo(onnx);

        java.util.Map<String, byte[]> corrupt = new java.util.HashMap<>(records);
        corrupt.put("m:2:onnx:1", new byte[] {1, 2, 3});
        assertThatThrownBy(() -> ModelTopics.assemble(manifest, corrupt, Artifacts.ONNX))
                .isInstanceOf(ModelTopics.ArtifactMismatchException.class).hasMessageContaining("onnx SHA-256 mismatch");
        assertThat(ModelTopics.assemble(manifest, corrupt)).as("the zip does not depend on the ONNX chunks").isEqualTo(zip);
        java.util.Map<String, byte[]> missing = new java.util.HashMap<>(records);
        missing.remove("m:2:onnx:0");
        assertThatThrownBy(() -> ModelTopics.assemble(manifest, missing, Artifacts.ONNX))
                .isInstanceOf(ModelTopics.ArtifactMismatchException.class).hasMessageContaining("missing on the chunk topic: 1 (indices 0)");
        assertThatThrownBy(() -> ModelTopics.assemble(manifest, records, "pickle"))
                .isInstanceOf(ModelTopics.ArtifactMismatchException.class).hasMessageContaining("has no pickle artifact");
        manifest.remove("artifacts"); // a manifest from before ONNX export: the zip only
        assertThat(ModelTopics.formats(manifest)).containsExactly(Artifacts.FORMAT);
        assertThat(ModelTopics.artifactEntry(manifest, Artifacts.ONNX)).isNull();
        assertThat(ModelTopics.assemble(manifest, records)).isEqualTo(zip);
    }
}
