package io.engram.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Chunk keys per format and the manifest's artifacts list against the chunks actually cut. */
class ArtifactsTest {

    @Test
    void chunkCount_isTheNumberOfChunksCut() {
        for (int chunkBytes : new int[] {1, 7, 4096}) {
            for (int size : new int[] {0, 1, chunkBytes - 1, chunkBytes, chunkBytes + 1, 3 * chunkBytes, 3 * chunkBytes + 2}) {
                if (size < 0) {
                    continue;
                }
                assertThat(Artifacts.chunkCount(size, chunkBytes)).as("%d bytes in chunks of %d", size, chunkBytes)
                        .isEqualTo(Artifacts.chunks(new byte[size], chunkBytes).size());
            }
        }
    }

    @Test
    void chunkKey_ofTheDefaultFormatKeepsTheVersion1Key() {
        assertThat(Artifacts.chunkKey("m", 3, Artifacts.FORMAT, 2)).isEqualTo("m:3:2").isEqualTo(Artifacts.chunkKey("m", 3, 2));
        assertThat(Artifacts.chunkKey("m", 3, Artifacts.ONNX, 2)).isEqualTo("m:3:onnx:2");
    }

    @Test
    void describe_listsEachFormatWithItsSizeHashAndChunks() {
        Map<String, byte[]> byFormat = new LinkedHashMap<>();
        byFormat.put(Artifacts.FORMAT, new byte[10]);
        byFormat.put(Artifacts.ONNX, new byte[] {1, 2, 3});
        List<Manifest.Artifact> list = Artifacts.describe(byFormat, 4);
        assertThat(list).containsExactly(
                new Manifest.Artifact(Artifacts.FORMAT, 10, Artifacts.sha256(new byte[10]), 3, null),
                new Manifest.Artifact("onnx", 3, "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81", 1, null));
    }
}
