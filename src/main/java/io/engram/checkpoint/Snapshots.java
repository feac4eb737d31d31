package io.engram.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.engram.broker.KafkaAccess;
import io.engram.broker.Outbox;
import io.engram.config.EngramConfig;
import io.engram.ingest.ModelState;
import io.engram.ingest.OwnedPartition;
import io.engram.learn.ContinualLearner;
import io.engram.learn.ContinualLearners;
import io.engram.publish.Artifacts;
import io.engram.publish.ModelPublisher;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models' state on Kafka: each partition's models are snapshotted to the compacted
 * {@code engram.state} topic, from which any instance of the group restores them when the
 * partition moves to it.
 *
 * <p>Layout (partition p of the examples topic → partition p of {@code engram.state}, modulo its
 * partition count): a model's snapshot is a run of chunk records keyed {@code <model>/<i>}, each
 * with header {@code engram.snapshot} naming the snapshot; the partition's marker, keyed
 * {@code ~<p>}, lists every model of the partition with its snapshot id, size, chunk count and
 * SHA-256, and the next offset of the examples partition they all reflect. Model ids never hold
 * {@code /} or {@code ~}, so the keys cannot collide. A snapshot writes the chunks of the models
 * that changed since the last one, then the marker; unchanged models keep their chunks (compaction
 * keeps the newest record of each key). Everything goes out in the transaction of the batch whose
 * offsets it reflects, so a reader with {@code read_committed} sees a snapshot only together with
 * the offsets it matches.
 *
 * <p>Restore reads the state partition from its beginning to its end (the compacted topic holds
 * about one snapshot of each model), keeps the newest marker and the newest chunks, checks sizes
 * and digests, and reads each model's learner back. Without a marker the partition's models are
 * rebuilt by replaying the examples from the partition's beginning.
 */
@ApplicationScoped
public class Snapshots implements ModelState {

    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
    static final String SNAPSHOT_HEADER = "engram.snapshot";
    /** First bytes of one model's snapshot ("ENSS"), then its format version. */
    static final int MAGIC = 0x454E5353;
    static final int FORMAT = 1;

    @Inject
    EngramConfig config;

    @Inject
    KafkaAccess kafka;

    @Inject
    ContinualLearners learners;

    @Inject
    ModelPublisher publisher;

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry registry;

    /** One model's entry in a partition's marker. */
    record Entry(String snapshot, long bytes, int chunks, String sha256, long version) {
    }

    /** The entries of the newest marker this instance wrote or read, per examples partition. */
    private final Map<TopicPartition, Map<String, Entry>> markers = new ConcurrentHashMap<>();
    private volatile int statePartitions;
    private long restores;

    private boolean enabled() {
        return config.checkpoint().enabled();
    }

    @Override
    public void prepare() {
        publisher.load(); // version numbers continue from what Kafka holds
    }

    @Override
    public Map<TopicPartition, Restored> restore(Set<TopicPartition> partitions) {
        publisher.refresh(); // moved models number their versions after the newest any instance published
        Map<TopicPartition, Restored> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            out.put(tp, enabled() ? restore(tp) : Restored.FRESH);
        }
        return out;
    }

    private Restored restore(TopicPartition tp) {
        long start = System.nanoTime();
        TopicPartition state = statePartition(tp);
        java.util.Optional<SnapshotCache.Cached> cached = cache().marker(tp);
        if (cached.isPresent()) {
            // the tail of the state partition after the snapshot this instance wrote last: a newer marker wins
            Read tail = read(state, tp, cached.get().offset());
            boolean sameMarker = tail.markerOffset() == cached.get().offset() && java.util.Arrays.equals(tail.markerBytes(), cached.get().marker());
            if (sameMarker || tail.markerOffset() > cached.get().offset()) {
                Restored restored = restoreFrom(tp, state, tail, true, start);
                if (restored != null) {
                    return restored;
                }
            }
            LOG.info("{}: the local snapshot cache does not match {}; reading it in full", tp, state);
            cache().deleteMarker(tp);
        }
        Read read = read(state, tp, 0);
        if (read.marker() == null) {
            markers.remove(tp);
            LOG.info("{}: no snapshot on {}; its models are rebuilt from the partition's beginning", tp, state);
            return Restored.REBUILD;
        }
        Restored restored = restoreFrom(tp, state, read, false, start);
        if (restored == null) {
            // a snapshot that does not read back is never half-used: the partition's models are rebuilt from its beginning
            entries(read.marker()).keySet().forEach(learners::remove);
            markers.remove(tp);
            return Restored.REBUILD;
        }
        return restored;
    }

    /** The models of a marker read back (from the read's chunks, or the local cache); null when any does not check out. */
    private Restored restoreFrom(TopicPartition tp, TopicPartition state, Read read, boolean withCache, long start) {
        try {
            long next = read.marker().get("next").asLong();
            Map<String, Entry> entries = entries(read.marker());
            Map<String, String> tasks = new HashMap<>();
            long bytes = 0;
            int fromCache = 0;
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                byte[] state1;
                try {
                    state1 = assemble(e.getKey(), e.getValue(), read.chunks());
                } catch (IOException notInRead) {
                    byte[] local = withCache ? cache().model(tp, e.getKey()) : null;
                    if (local == null || local.length != e.getValue().bytes() || !Artifacts.sha256(local).equals(e.getValue().sha256())) {
                        throw notInRead;
                    }
                    state1 = local;
                    fromCache++;
                }
                bytes += state1.length;
                String task = readModel(e.getKey(), e.getValue(), state1);
                if (task != null) {
                    tasks.put(e.getKey(), task);
                }
            }
            markers.put(tp, entries);
            long nanos = System.nanoTime() - start;
            Timer.builder("engram.snapshot.restore").description("Time to restore one partition's models from engram.state")
                    .register(registry).record(Duration.ofNanos(nanos));
            LOG.info("{}: restored {} model(s) {} from {}{} ({} bytes, reflecting offsets before {}) in {} ms", tp, entries.size(),
                    entries.keySet(), state, withCache ? " read from offset " + read.from() + " with " + fromCache + " model(s) from the local "
                    + "cache" : "", bytes, next, nanos / 1_000_000);
            return Restored.at(next, entries.keySet(), tasks);
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: the snapshot on {} cannot be used ({})", tp, state, e.toString());
            entries(read.marker()).keySet().forEach(learners::remove);
            return null;
        }
    }

    private SnapshotCache cache;

    private synchronized SnapshotCache cache() {
        if (cache == null) {
            cache = new SnapshotCache(java.nio.file.Path.of(config.dataDir(), "state"));
        }
        return cache;
    }

    @Override
    public void afterBatch(OwnedPartition partition, boolean force) {
        if (!enabled() || partition.models().isEmpty()) {
            return;
        }
        long since = System.nanoTime() - partition.snapshotAtNanos();
        if (!force) {
            // the first snapshot after taking a partition is not held back by the minimum interval
            if (partition.changed().isEmpty() || (partition.snapshotted() && since < config.checkpoint().minInterval().toNanos())) {
                return;
            }
            Map<String, Entry> last = markers.getOrDefault(partition.topicPartition(), Map.of());
            boolean versions = partition.changed().stream()
                    .anyMatch(m -> publisher.lastVersion(m) > (last.containsKey(m) ? last.get(m).version() : 0));
            boolean records = partition.recordsSinceSnapshot() >= config.checkpoint().everyExamples();
            boolean time = since >= config.checkpoint().everySeconds() * 1_000_000_000L;
            if (!versions && !records && !time) {
                return;
            }
        }
        write(partition, force ? "replay done" : "due");
    }

    @Override
    public void release(OwnedPartition partition, boolean snapshot) {
        try {
            if (snapshot && enabled() && !partition.models().isEmpty()) {
                write(partition, "hand-over");
            }
        } finally {
            partition.models().forEach(learners::remove);
            markers.remove(partition.topicPartition());
        }
    }

    /** Writes the snapshot of a partition's changed models and its marker into the open transaction. */
    private void write(OwnedPartition partition, String why) {
        long start = System.nanoTime();
        TopicPartition tp = partition.topicPartition();
        TopicPartition state = statePartition(tp);
        Outbox outbox = kafka.outbox();
        Map<String, Entry> last = markers.getOrDefault(tp, Map.of());
        Map<String, Entry> entries = new LinkedHashMap<>();
        String id = tp.partition() + "-" + partition.next() + "-" + Long.toHexString(System.nanoTime());
        long written = 0;
        Map<String, byte[]> changedBytes = new HashMap<>();
        int chunkBytes = config.checkpoint().chunkBytes();
        Map<String, ContinualLearner> all = learners.all();
        for (String model : partition.models()) {
            ContinualLearner learner = all.get(model);
            if (learner == null) {
                continue;
            }
            Entry previous = last.get(model);
            if (previous != null && !partition.changed().contains(model)) {
                entries.put(model, previous); // unchanged since its last snapshot: its chunks stay
                continue;
            }
            byte[] bytes = modelBytes(model, partition.currentTasks().get(model), learner);
            int chunks = (bytes.length + chunkBytes - 1) / chunkBytes;
            for (int i = 0; i < chunks; i++) {
                byte[] chunk = java.util.Arrays.copyOfRange(bytes, i * chunkBytes, Math.min(bytes.length, (i + 1) * chunkBytes));
                RecordHeaders headers = new RecordHeaders();
                headers.add(SNAPSHOT_HEADER, id.getBytes(StandardCharsets.UTF_8));
                outbox.send(new ProducerRecord<>(state.topic(), state.partition(), utf8(model + "/" + i), chunk, headers));
            }
            for (int i = chunks; previous != null && i < previous.chunks(); i++) {
                outbox.send(new ProducerRecord<>(state.topic(), state.partition(), utf8(model + "/" + i), null)); // a shorter snapshot
            }
            entries.put(model, new Entry(id, bytes.length, chunks, Artifacts.sha256(bytes), publisher.lastVersion(model)));
            changedBytes.put(model, bytes);
            written += bytes.length;
        }
        for (Map.Entry<String, Entry> gone : last.entrySet()) {
            if (!entries.containsKey(gone.getKey())) {
                for (int i = 0; i < gone.getValue().chunks(); i++) { // a model no longer learned here (parked)
                    outbox.send(new ProducerRecord<>(state.topic(), state.partition(), utf8(gone.getKey() + "/" + i), null));
                }
            }
        }
        ObjectNode marker = json.createObjectNode();
        marker.put("topic", tp.topic());
        marker.put("partition", tp.partition());
        marker.put("next", partition.next());
        marker.put("created", System.currentTimeMillis());
        marker.put("format", FORMAT);
        ObjectNode models = marker.putObject("models");
        entries.forEach((model, e) -> {
            ObjectNode m = models.putObject(model);
            m.put("snapshot", e.snapshot());
            m.put("bytes", e.bytes());
            m.put("chunks", e.chunks());
            m.put("sha256", e.sha256());
            m.put("version", e.version());
        });
        byte[] markerBytes;
        try {
            markerBytes = json.writeValueAsBytes(marker);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> sent =
                outbox.send(new ProducerRecord<>(state.topic(), state.partition(), utf8(markerKey(tp)), markerBytes));
        Set<String> listed = Set.copyOf(entries.keySet());
        outbox.afterCommit(() -> { // the local copy is never ahead of Kafka
            try {
                org.apache.kafka.clients.producer.RecordMetadata at = sent.get();
                if (at != null && at.hasOffset()) {
                    cache().written(tp, at.offset(), markerBytes, changedBytes, listed);
                }
            } catch (Exception e) {
                LOG.debug("{}: local snapshot cache not updated: {}", tp, e.toString());
            }
        });
        markers.put(tp, entries);
        partition.snapshotTaken();
        long nanos = System.nanoTime() - start;
        Timer.builder("engram.snapshot.write").description("Time to build and send one partition's snapshot")
                .register(registry).record(Duration.ofNanos(nanos));
        DistributionSummary.builder("engram.snapshot.bytes").baseUnit("bytes")
                .description("Bytes of model state written per snapshot").register(registry).record(written);
        LOG.info("{}: snapshot ({}) of {} model(s), {} bytes written, reflecting offsets before {}, in {} ms", tp, why,
                entries.size(), written, partition.next(), nanos / 1_000_000);
    }

    private byte[] modelBytes(String model, String task, ContinualLearner learner) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 20);
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeUTF(model);
            out.writeBoolean(task != null);
            if (task != null) {
                out.writeUTF(task);
            }
            learner.writeState(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise model " + model, e);
        }
        return buffer.toByteArray();
    }

    /** Reads one model's snapshot into a new learner; returns its current task (null when none). */
    private String readModel(String model, Entry entry, byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int magic = in.readInt();
            int format = in.readInt();
            if (magic != MAGIC || format != FORMAT) {
                throw new IOException("snapshot of " + model + " has magic " + Integer.toHexString(magic) + " format " + format
                        + "; this Engram reads format " + FORMAT);
            }
            String stored = in.readUTF();
            if (!stored.equals(model)) {
                throw new IOException("snapshot listed for " + model + " holds model " + stored);
            }
            String task = in.readBoolean() ? in.readUTF() : null;
            learners.remove(model);
            ContinualLearner learner = learners.restore(model);
            learner.readState(in, config.model().seed() + 1000 * (++restores) + System.currentTimeMillis());
            if (publisher.committedLatest(model) > entry.version()) {
                learner.dropPendingTriggers(); // answered by a version committed after this snapshot
            }
            return task;
        }
    }

    private static byte[] assemble(String model, Entry entry, Map<String, Chunk> chunks) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(entry.bytes(), Integer.MAX_VALUE - 8));
        for (int i = 0; i < entry.chunks(); i++) {
            Chunk chunk = chunks.get(model + "/" + i);
            if (chunk == null || !chunk.snapshot().equals(entry.snapshot())) {
                throw new IOException("chunk " + i + " of model " + model + "'s snapshot " + entry.snapshot() + " is "
                        + (chunk == null ? "missing" : "of snapshot " + chunk.snapshot()));
            }
            out.write(chunk.bytes());
        }
        byte[] bytes = out.toByteArray();
        if (bytes.length != entry.bytes() || !Artifacts.sha256(bytes).equals(entry.sha256())) {
            throw new IOException("model " + model + "'s snapshot " + entry.snapshot() + " does not match its marker ("
                    + bytes.length + " bytes read, " + entry.bytes() + " listed, or a different SHA-256)");
        }
        return bytes;
    }

    private static Map<String, Entry> entries(JsonNode marker) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        marker.path("models").fields().forEachRemaining(f -> entries.put(f.getKey(), new Entry(f.getValue().get("snapshot").asText(),
                f.getValue().get("bytes").asLong(), f.getValue().get("chunks").asInt(), f.getValue().get("sha256").asText(),
                f.getValue().path("version").asLong())));
        return entries;
    }

    private record Chunk(String snapshot, byte[] bytes) {
    }

    /** What a read of the state partition from offset {@code from} found: the newest marker of the partition (and where), and chunks. */
    private record Read(JsonNode marker, byte[] markerBytes, long markerOffset, long from, Map<String, Chunk> chunks) {
    }

    /** Reads a state partition from {@code from} to its end: the newest marker of {@code tp} and the newest chunk of each key. */
    private Read read(TopicPartition state, TopicPartition tp, long from) {
        String markerKey = markerKey(tp);
        byte[] marker = null;
        long markerOffset = -1;
        Map<String, Chunk> chunks = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = kafka.clients().consumer("engram-state-reader", "engram-state-reader")) {
            consumer.assign(java.util.List.of(state));
            if (from > 0) {
                consumer.seek(state, from); // below the log start, the consumer starts at the beginning
            } else {
                consumer.seekToBeginning(java.util.List.of(state));
            }
            long end = consumer.endOffsets(java.util.List.of(state)).get(state);
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (consumer.position(state) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + state + " to its end " + end + " within 5 minutes");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || r.offset() >= end) {
                        continue;
                    }
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (key.equals(markerKey)) {
                        marker = r.value();
                        markerOffset = r.offset();
                    } else if (key.indexOf('/') > 0) {
                        if (r.value() == null) {
                            chunks.remove(key);
                        } else {
                            Header h = r.headers().lastHeader(SNAPSHOT_HEADER);
                            chunks.put(key, new Chunk(h == null ? "" : new String(h.value(), StandardCharsets.UTF_8), r.value()));
                        }
                    }
                }
            }
        }
        if (marker == null) {
            return new Read(null, null, -1, from, chunks);
        }
        try {
            return new Read(json.readTree(marker), marker, markerOffset, from, chunks);
        } catch (IOException e) {
            LOG.error("{}: the marker on {} is not JSON ({}); rebuilding from the partition's beginning", tp, state, e.toString());
            return new Read(null, null, -1, from, chunks);
        }
    }

    private TopicPartition statePartition(TopicPartition tp) {
        if (statePartitions == 0) {
            try (KafkaConsumer<byte[], byte[]> consumer = kafka.clients().consumer("engram-state-reader", "engram-state-reader")) {
                statePartitions = consumer.partitionsFor(kafka.topics().state(), Duration.ofSeconds(30)).size();
            }
        }
        return new TopicPartition(kafka.topics().state(), tp.partition() % statePartitions);
    }

    private static String markerKey(TopicPartition tp) {
        return "~" + tp.partition();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
