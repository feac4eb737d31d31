package io.engram.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaClients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reading published versions back from Kafka alone (read_committed): manifests and aliases from
 * engram.models, artifact chunks from engram.model-chunks. The latest record of a key wins, as
 * compaction will keep it.
 */
public final class ModelTopics {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelTopics() {
    }

    /** Every record of a topic, latest value per key (UTF-8 keys). */
    public static Map<String, byte[]> readLatest(KafkaClients clients, String topic, java.util.function.Predicate<String> keys) {
        Map<String, byte[]> latest = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("engram-reader-" + System.nanoTime(), "engram-reader")) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end + " within 120 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) {
                        continue;
                    }
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (keys.test(key)) {
                        if (r.value() == null) {
                            latest.remove(key);
                        } else {
                            latest.put(key, r.value());
                        }
                    }
                }
            }
        }
        return latest;
    }

    /** A manifest's JSON. */
    public static JsonNode json(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Rebuilds and verifies the DL4J artifact from its chunks: every index 0..chunks−1 present, total
     * size and SHA-256 as the manifest says.
     *
     * @throws ArtifactMismatchException with a message naming what differs
     */
    public static byte[] assemble(JsonNode manifest, Map<String, byte[]> chunkRecords) {
        return assemble(manifest, chunkRecords, Artifacts.FORMAT);
    }

    /**
     * Rebuilds and verifies the artifact of one format ({@code artifact}, or the entry of the
     * manifest's {@code artifacts} list with that format) from its chunks.
     *
     * @throws ArtifactMismatchException when the manifest lists no such format, or with a message
     *         naming what differs
     */
    public static byte[] assemble(JsonNode manifest, Map<String, byte[]> chunkRecords, String format) {
        String model = manifest.get("model").asText();
        long version = manifest.get("version").asLong();
        JsonNode artifact = artifactEntry(manifest, format);
        if (artifact == null) {
            throw new ArtifactMismatchException("version " + version + " of model " + model + " has no " + format
                    + " artifact; its manifest lists " + formats(manifest));
        }
        int chunks = artifact.get("chunks").asInt();
        Map<Integer, byte[]> byIndex = new TreeMap<>();
        String prefix = format.equals(Artifacts.FORMAT) ? model + ":" + version + ":" : model + ":" + version + ":" + format + ":";
        chunkRecords.forEach((key, value) -> {
            if (key.startsWith(prefix) && key.length() > prefix.length()
                    && key.substring(prefix.length()).chars().allMatch(Character::isDigit)) {
                byIndex.put(Integer.parseInt(key.substring(prefix.length())), value);
            }
        });
        if (byIndex.size() != chunks || (chunks > 0 && !byIndex.containsKey(chunks - 1))) {
            throw new ArtifactMismatchException("version " + version + " of model " + model + " has " + chunks + " " + format
                    + " chunks in its manifest, found " + byIndex.size() + " on the chunk topic (indices " + byIndex.keySet() + ")");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < chunks; i++) {
            out.writeBytes(byIndex.get(i));
        }
        byte[] bytes = out.toByteArray();
        long expectedBytes = artifact.get("bytes").asLong();
        if (bytes.length != expectedBytes) {
            throw new ArtifactMismatchException("version " + version + " of model " + model + ": expected " + expectedBytes
                    + " bytes of " + format + ", the chunks hold " + bytes.length);
        }
        String sha = Artifacts.sha256(bytes);
        if (!sha.equals(artifact.get("sha256").asText())) {
            throw new ArtifactMismatchException("version " + version + " of model " + model + ": " + format
                    + " SHA-256 mismatch, manifest says " + artifact.get("sha256").asText() + ", the chunks hash to " + sha
                    + " (a chunk is corrupt or missing)");
        }
        return bytes;
    }

    /** The manifest's description of one format's artifact, or null when it has none. */
    public static JsonNode artifactEntry(JsonNode manifest, String format) {
        for (JsonNode a : manifest.path("artifacts")) {
            if (format.equals(a.path("format").asText())) {
                return a;
            }
        }
        JsonNode artifact = manifest.path("artifact");
        return format.equals(artifact.path("format").asText(Artifacts.FORMAT)) && artifact.has("chunks") ? artifact : null;
    }

    /** The formats a manifest lists. */
    public static List<String> formats(JsonNode manifest) {
        java.util.LinkedHashSet<String> formats = new java.util.LinkedHashSet<>();
        if (manifest.has("artifact")) {
            formats.add(manifest.path("artifact").path("format").asText(Artifacts.FORMAT));
        }
        manifest.path("artifacts").forEach(a -> formats.add(a.path("format").asText()));
        return List.copyOf(formats);
    }

    /** An artifact rebuilt from Kafka differs from its manifest. */
    public static final class ArtifactMismatchException extends RuntimeException {
        public ArtifactMismatchException(String message) {
            super(message);
        }
    }
}
