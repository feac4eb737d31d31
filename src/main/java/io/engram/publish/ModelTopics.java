package io.engram.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaClients;
import io.engram.broker.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Reading published versions back from Kafka alone (read_committed): manifests and aliases from
 * engram.models, artifact chunks from engram.model-chunks. The latest record of a key wins, as
 * compaction will keep it. Keys and values are parsed here, and a record that cannot be used is
 * reported as an {@link UnusableRecord} with its reason, never as a crash of the reader.
 */
public final class ModelTopics {

    private static final ObjectMapper JSON = Documents.mapper();
    /** Model ids of the contract: 1..128 characters of [A-Za-z0-9._-]; {@code :} separates the parts of output keys. */
    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,18}");
    /** Longest time one scan of a topic may take. */
    private static final long SCAN_SECONDS = 120;

    private ModelTopics() {
    }

    /**
     * Reads a topic from its beginning, or from the first record at or after {@code fromMillis}
     * (record timestamps) when that is not negative, up to the end offsets it has when the scan
     * starts, handing every record with a key to {@code visitor} in offset order per partition
     * (the value is null for a tombstone). Memory: one fetch at a time.
     */
    public static void scan(KafkaClients clients, String topic, long fromMillis, BiConsumer<String, byte[]> visitor) {
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("engram-reader-" + System.nanoTime(), "engram-reader")) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            if (fromMillis < 0) {
                consumer.seekToBeginning(partitions);
            } else {
                Map<TopicPartition, Long> times = new HashMap<>();
                partitions.forEach(tp -> times.put(tp, fromMillis));
                Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
                for (TopicPartition tp : partitions) {
                    OffsetAndTimestamp at = offsets.get(tp);
                    consumer.seek(tp, at == null ? end.get(tp) : at.offset());
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SCAN_SECONDS);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end + " within " + SCAN_SECONDS + " s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        visitor.accept(new String(r.key(), StandardCharsets.UTF_8), r.value());
                    }
                }
            }
        }
    }

    /** Every record of a topic whose key passes {@code keys}, latest value per key (UTF-8 keys; tombstones remove). */
    public static Map<String, byte[]> readLatest(KafkaClients clients, String topic, Predicate<String> keys) {
        Map<String, byte[]> latest = new HashMap<>();
        scan(clients, topic, -1, (key, value) -> {
            if (keys.test(key)) {
                if (value == null) {
                    latest.remove(key);
                } else {
                    latest.put(key, value);
                }
            }
        });
        return latest;
    }

    /**
     * Reads the manifest of one version back from engram.models. With a creation time, the topic
     * is read from a little before it (record timestamps), and from its beginning only when that
     * finds nothing.
     *
     * @return null when the topic holds no usable manifest of the version (an unusable one is counted)
     */
    public static JsonNode readManifest(KafkaClients clients, Topics topics, String model, long version, long createdMillis,
            SkippedRecords skips) {
        String key = Artifacts.manifestKey(model, version);
        byte[] value = createdMillis < 0 ? null : latest(clients, topics.models(), Math.max(0, createdMillis - CLOCK_MARGIN_MS), key);
        if (value == null) {
            value = latest(clients, topics.models(), -1, key);
        }
        if (value == null) {
            return null;
        }
        try {
            return manifest(new ManifestKey(model, version), value).json();
        } catch (UnusableRecord e) {
            skips.skip(topics.models(), e);
            return null;
        }
    }

    /**
     * Reads the verified artifact of one format of a manifest back from engram.model-chunks (its
     * size and SHA-256 as the manifest's entry for that format says), from a little before the
     * manifest's creation time, and from the beginning only when that does not rebuild it. Records
     * under the version's chunk prefix that are neither its chunks nor those of another format the
     * manifest lists are skipped and counted.
     *
     * @throws ArtifactMismatchException when the manifest lists no such format or its chunks do not rebuild it
     */
    public static byte[] readArtifact(KafkaClients clients, Topics topics, JsonNode manifest, String format, SkippedRecords skips) {
        String model = manifest.path("model").asText();
        long version = manifest.path("version").asLong();
        JsonNode entry = artifactEntry(manifest, format);
        if (entry == null) {
            throw new ArtifactMismatchException("version " + version + " of model " + model + " has no " + format
                    + " artifact; its manifest lists " + formats(manifest));
        }
        int chunks = entry.path("chunks").asInt();
        List<String> listed = formats(manifest);
        long created;
        try {
            created = Instant.parse(manifest.path("created").asText()).toEpochMilli();
        } catch (DateTimeParseException e) {
            created = -1;
        }
        if (created >= 0) {
            try {
                return assemble(manifest, chunks(clients, topics, model, version, format, chunks, listed,
                        Math.max(0, created - CLOCK_MARGIN_MS), skips), format);
            } catch (ArtifactMismatchException e) {
                // older than the margin (or re-written): read the whole topic
            }
        }
        return assemble(manifest, chunks(clients, topics, model, version, format, chunks, listed, -1, skips), format);
    }

    /** Leeway between a manifest's creation time and its records' timestamps (clock skew to the broker, LogAppendTime). */
    private static final long CLOCK_MARGIN_MS = 10 * 60 * 1000;

    private static byte[] latest(KafkaClients clients, String topic, long from, String wanted) {
        byte[][] latest = {null};
        scan(clients, topic, from, (key, value) -> {
            if (key.equals(wanted)) {
                latest[0] = value;
            }
        });
        return latest[0];
    }

    private static Map<String, byte[]> chunks(KafkaClients clients, Topics topics, String model, long version, String format,
            int chunks, List<String> listed, long from, SkippedRecords skips) {
        String prefix = model + ":" + version + ":";
        String wanted = format.equals(Artifacts.FORMAT) ? null : format;
        Map<String, byte[]> found = new HashMap<>();
        scan(clients, topics.modelChunks(), from, (key, value) -> {
            if (!key.startsWith(prefix)) {
                return;
            }
            try {
                ChunkKey chunk = chunkKey(key);
                if (!java.util.Objects.equals(chunk.format(), wanted)) {
                    if (chunk.format() != null && !listed.contains(chunk.format())) {
                        throw new UnusableRecord("other_format", "chunk '" + key + "' is of format '" + chunk.format()
                                + "', which the manifest does not list (it lists " + listed + ")");
                    }
                    return; // a chunk of another format of this version
                }
                if (chunk.index() >= chunks) {
                    throw new UnusableRecord("extra_chunk", "chunk '" + key + "' is beyond the " + chunks + " " + format
                            + " chunks of the manifest");
                }
                if (value == null) {
                    found.remove(key);
                } else {
                    found.put(key, value);
                }
            } catch (UnusableRecord e) {
                skips.skip(topics.modelChunks(), e);
            }
        });
        return found;
    }

    /** A manifest's JSON. */
    public static JsonNode json(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + e.getMessage(), e);
        }
    }

    /** A key on engram.models: a manifest ({@code <model>:<version>}) or an alias ({@code <model>:@<alias>}). */
    public sealed interface ModelsKey permits ManifestKey, AliasKey {
        String model();
    }

    public record ManifestKey(String model, long version) implements ModelsKey {
    }

    public record AliasKey(String model, String alias) implements ModelsKey {
    }

    /**
     * A key on engram.model-chunks: {@code <model>:<version>:<index>} (the DL4J zip) or
     * {@code <model>:<version>:<format>:<index>} (another format; {@code format} null for the zip).
     */
    public record ChunkKey(String model, long version, String format, int index) {
    }

    /** A record that cannot be used, with a short reason (a metrics tag) and what was found. */
    public static final class UnusableRecord extends Exception {
        private final String reason;

        public UnusableRecord(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** Parses a key of engram.models. */
    public static ModelsKey modelsKey(String key) throws UnusableRecord {
        String[] parts = key.split(":", -1);
        if (parts.length == 2 && MODEL_ID.matcher(parts[0]).matches()) {
            if (parts[1].startsWith("@") && NAME.matcher(parts[1].substring(1)).matches()) {
                return new AliasKey(parts[0], parts[1].substring(1));
            }
            if (NUMBER.matcher(parts[1]).matches() && Long.parseLong(parts[1]) > 0) {
                return new ManifestKey(parts[0], Long.parseLong(parts[1]));
            }
        }
        throw new UnusableRecord("bad_key", "key '" + abbreviate(key) + "' is neither <model>:<version> nor <model>:@<alias>"
                + " (model ids: 1..128 characters of [A-Za-z0-9._-])");
    }

    /** Parses a key of engram.model-chunks. */
    public static ChunkKey chunkKey(String key) throws UnusableRecord {
        String[] parts = key.split(":", -1);
        boolean zip = parts.length == 3;
        boolean other = parts.length == 4 && NAME.matcher(parts[2]).matches();
        if ((zip || other) && MODEL_ID.matcher(parts[0]).matches() && NUMBER.matcher(parts[1]).matches()
                && Long.parseLong(parts[1]) > 0 && parts[parts.length - 1].matches("[0-9]{1,9}")) {
            return new ChunkKey(parts[0], Long.parseLong(parts[1]), zip ? null : parts[2], Integer.parseInt(parts[parts.length - 1]));
        }
        throw new UnusableRecord("bad_key", "key '" + abbreviate(key) + "' is neither <model>:<version>:<index> nor"
                + " <model>:<version>:<format>:<index>");
    }

    /** What the catalog needs of a manifest, checked against its key. */
    public record Manifest(String model, long version, long createdMillis, JsonNode json) {
    }

    /** Parses and checks a manifest value: JSON with model and version equal to the key's, a creation time and an artifact. */
    public static Manifest manifest(ManifestKey key, byte[] value) throws UnusableRecord {
        JsonNode json;
        try {
            json = JSON.readTree(value);
        } catch (IOException e) {
            throw new UnusableRecord("bad_json", "manifest " + key.model() + ":" + key.version() + " is not JSON: "
                    + abbreviate(e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.toString()));
        }
        if (json == null || !json.isObject()) {
            throw new UnusableRecord("bad_json", "manifest " + key.model() + ":" + key.version() + " is not a JSON object");
        }
        JsonNode artifact = json.path("artifact");
        if (!json.path("model").asText("").equals(key.model()) || !json.path("version").canConvertToLong()
                || json.path("version").asLong() != key.version() || !artifact.path("chunks").canConvertToInt()
                || artifact.path("chunks").asInt() < 1 || !artifact.path("bytes").canConvertToLong()
                || !artifact.path("sha256").isTextual()) {
            throw new UnusableRecord("bad_manifest", "manifest " + key.model() + ":" + key.version()
                    + " lacks model and version equal to its key or artifact.chunks, bytes and sha256");
        }
        long created;
        try {
            created = Instant.parse(json.path("created").asText()).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new UnusableRecord("bad_manifest", "manifest " + key.model() + ":" + key.version() + " has no ISO-8601 'created'");
        }
        return new Manifest(key.model(), key.version(), created, json);
    }

    /** Parses and checks an alias value: JSON with model, alias and a positive version. */
    public static long aliasVersion(AliasKey key, byte[] value) throws UnusableRecord {
        try {
            JsonNode json = JSON.readTree(value);
            if (json != null && json.path("model").asText("").equals(key.model()) && json.path("alias").asText("").equals(key.alias())
                    && json.path("version").canConvertToLong() && json.path("version").asLong() > 0) {
                return json.path("version").asLong();
            }
        } catch (IOException e) {
            throw new UnusableRecord("bad_json", "alias " + key.model() + ":@" + key.alias() + " is not JSON");
        }
        throw new UnusableRecord("bad_alias", "alias " + key.model() + ":@" + key.alias()
                + " lacks model and alias equal to its key and a positive version");
    }

    /**
     * Rebuilds and verifies the DL4J artifact from its chunks: every index 0..chunks−1 present, total
     * size and SHA-256 as the manifest says. Only the exact keys {@code <model>:<version>:<index>}
     * of the manifest's chunks count; other keys in {@code chunkRecords} are ignored.
     *
     * @throws ArtifactMismatchException with a message naming what differs
     */
    public static byte[] assemble(JsonNode manifest, Map<String, byte[]> chunkRecords) {
        return assemble(manifest, chunkRecords, Artifacts.FORMAT);
    }

    /**
     * Rebuilds and verifies the artifact of one format from its chunks, against that format's entry
     * in the manifest ({@link #artifactEntry}): every index 0..chunks−1 present, total size and
     * SHA-256 as the entry says. Only the exact keys of that format count
     * ({@link Artifacts#chunkKey(String, long, String, int)}); other keys are ignored.
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
        if (!artifact.path("chunks").canConvertToInt() || artifact.path("chunks").asInt() < 1
                || !artifact.path("bytes").canConvertToLong() || artifact.path("bytes").asLong() < 0
                || !artifact.path("sha256").isTextual()) {
            throw new ArtifactMismatchException("version " + version + " of model " + model + ": the manifest's " + format
                    + " artifact lacks chunks (at least 1), bytes and sha256");
        }
        int chunks = artifact.get("chunks").asInt();
        long expectedBytes = artifact.get("bytes").asLong();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder missing = new StringBuilder();
        int missingCount = 0;
        for (int i = 0; i < chunks; i++) {
            byte[] chunk = chunkRecords.get(Artifacts.chunkKey(model, version, format, i));
            if (chunk == null) {
                missingCount++;
                if (missingCount <= 20) {
                    missing.append(missingCount == 1 ? "" : ",").append(i);
                }
            } else if (out.size() + (long) chunk.length <= expectedBytes) {
                out.writeBytes(chunk);
            } else {
                throw new ArtifactMismatchException("version " + version + " of model " + model + ": the " + format
                        + " chunks hold more than the " + expectedBytes + " bytes of the manifest");
            }
        }
        if (missingCount > 0) {
            throw new ArtifactMismatchException("version " + version + " of model " + model + " has " + chunks + " " + format
                    + " chunks in its manifest; missing on the chunk topic: " + missingCount + " (indices " + missing
                    + (missingCount > 20 ? ",…" : "") + ")");
        }
        byte[] bytes = out.toByteArray();
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

    /**
     * The manifest's description of one format's artifact ({@code format}, {@code bytes},
     * {@code sha256}, {@code chunks}): the entry of its {@code artifacts} list with that format, or
     * for the DL4J zip its {@code artifact} (manifests from before the list); null when it has none.
     */
    public static JsonNode artifactEntry(JsonNode manifest, String format) {
        for (JsonNode a : manifest.path("artifacts")) {
            if (format.equals(a.path("format").asText())) {
                return a;
            }
        }
        JsonNode artifact = manifest.path("artifact");
        return artifact.isObject() && format.equals(artifact.path("format").asText(Artifacts.FORMAT)) ? artifact : null;
    }

    /** The formats a manifest lists. */
    public static List<String> formats(JsonNode manifest) {
        java.util.LinkedHashSet<String> formats = new java.util.LinkedHashSet<>();
        if (manifest.path("artifact").isObject()) {
            formats.add(manifest.path("artifact").path("format").asText(Artifacts.FORMAT));
        }
        manifest.path("artifacts").forEach(a -> {
            if (a.path("format").isTextual()) {
                formats.add(a.path("format").asText());
            }
        });
        return List.copyOf(formats);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    /** An artifact rebuilt from Kafka differs from its manifest. */
    public static final class ArtifactMismatchException extends RuntimeException {
        public ArtifactMismatchException(String message) {
            super(message);
        }
    }
}
