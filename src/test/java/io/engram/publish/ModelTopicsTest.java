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
}
