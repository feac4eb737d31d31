package io.engram.publish;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Keys, chunks and hashes of published artifacts (docs/contract.md). */
public final class Artifacts {

    /** The format name of a DL4J {@code MultiLayerNetwork} model zip. */
    public static final String FORMAT = "dl4j-multilayernetwork-zip";
    /** The format name of the ONNX model published beside it ({@link OnnxExport}). */
    public static final String ONNX = "onnx";
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

    /** How many records {@link #chunks} makes of {@code bytes} bytes: at least one, as an empty artifact is one empty chunk. */
    public static int chunkCount(long bytes, int chunkBytes) {
        return (int) Math.max(1, (bytes + chunkBytes - 1) / chunkBytes);
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

    /**
     * {@code <model>:<version>:<index>} for the default format (the DL4J zip),
     * {@code <model>:<version>:<format>:<index>} for any other.
     */
    public static String chunkKey(String model, long version, String format, int index) {
        return format.equals(FORMAT) ? chunkKey(model, version, index) : model + ":" + version + ":" + format + ":" + index;
    }

    /**
     * The manifest's {@code artifacts} list: per format (in the given order) its {@code format},
     * {@code bytes}, {@code sha256} and {@code chunks} of {@code chunkBytes}.
     */
    public static List<Manifest.Artifact> describe(Map<String, byte[]> byFormat, int chunkBytes) {
        List<Manifest.Artifact> list = new ArrayList<>();
        byFormat.forEach((format, bytes) -> list.add(Manifest.Artifact.of(format, bytes, chunkBytes)));
        return list;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
