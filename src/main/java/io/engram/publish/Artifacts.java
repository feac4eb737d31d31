package io.engram.publish;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Keys, chunks and hashes of published artifacts (docs/contract.md). */
public final class Artifacts {

    /** The format name of a DL4J {@code MultiLayerNetwork} model zip. */
    public static final String FORMAT = "dl4j-multilayernetwork-zip";
    /** docs/contract.md: at most 512 KiB a record on engram.model-chunks. */
    public static final int MAX_CHUNK_BYTES = 512 * 1024;

    private Artifacts() {
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }

    public static List<byte[]> chunks(byte[] artifact, int chunkBytes) {
        List<byte[]> chunks = new ArrayList<>();
        for (int from = 0; from < artifact.length || chunks.isEmpty(); from += chunkBytes) {
            int to = Math.min(artifact.length, from + chunkBytes);
            chunks.add(java.util.Arrays.copyOfRange(artifact, from, to));
        }
        return chunks;
    }

    /** {@code <model>:<version>} on engram.models. */
    public static String manifestKey(String model, long version) {
        return model + ":" + version;
    }

    /** {@code <model>:@<alias>} on engram.models. */
    public static String aliasKey(String model, String alias) {
        return model + ":@" + alias;
    }

    /** {@code <model>:<version>:<index>} on engram.model-chunks. */
    public static String chunkKey(String model, long version, int index) {
        return model + ":" + version + ":" + index;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
