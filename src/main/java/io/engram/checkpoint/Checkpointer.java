package io.engram.checkpoint;

import io.engram.config.EngramConfig;
import io.engram.ingest.IngestLoop;
import io.engram.learn.ContinualLearner;
import io.engram.learn.LearnerRegistry;
import io.engram.publish.ModelPublisher;
import io.engram.state.Binary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes and restores checkpoints of the whole service state: every model's learner (parameters,
 * prior, rehearsal buffer, recent window, evaluation sets, accuracy matrix, counters), the ingest
 * loop's current tasks, the version counters, and the offsets all of it reflects.
 *
 * <p>Consistency with Kafka. Outputs and consumed offsets commit together in one transaction;
 * a checkpoint is written after a commit, on the ingest thread, so it never runs ahead of Kafka.
 * After a crash the service restores the newest checkpoint and seeks to its offsets; records
 * between those and the group's committed offsets are replayed with their outputs suppressed
 * (they were committed before the crash), which rebuilds the state; then it carries on. So every
 * record after the checkpoint is learned exactly once into the restored state and no output is
 * written twice. Replayed learning draws fresh random numbers (reservoir and replay draws, Fisher
 * labels), so the state after a restart is equivalent, not bit-identical, to an uninterrupted run.
 */
@ApplicationScoped
public class Checkpointer {

    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);

    @Inject
    EngramConfig config;

    @Inject
    LearnerRegistry learners;

    @Inject
    ModelPublisher publisher;

    @Inject
    MeterRegistry registry;

    private CheckpointStore store;
    private long handledAtLast;
    private long publishedAtLast;
    private long lastNanos = System.nanoTime();
    /** False until the first checkpoint of this process: that one is not held back by the minimum interval. */
    private boolean written;
    private long restores;

    private CheckpointStore store() {
        if (store == null) {
            store = new CheckpointStore(Path.of(config.dataDir(), "checkpoints"), config.checkpoint().keep());
        }
        return store;
    }

    public boolean enabled() {
        return config.checkpoint().enabled();
    }

    /**
     * Restores the newest whole checkpoint into the learners and the loop; returns the offsets it
     * reflects (empty when there is none).
     */
    public Optional<Map<TopicPartition, Long>> restore(IngestLoop loop) {
        if (!enabled()) {
            return Optional.empty();
        }
        long start = System.nanoTime();
        try {
            Optional<CheckpointStore.Loaded> loaded = store().newest();
            if (loaded.isEmpty()) {
                LOG.info("No checkpoint in {}: starting fresh", Path.of(config.dataDir(), "checkpoints"));
                return Optional.empty();
            }
            try (DataInputStream in = loaded.get().stream()) {
            long created = in.readLong();
            Map<String, Long> offsets = Binary.longMap(in);
            loop.restoreCurrentTasks(Binary.stringMap(in));
            Map<String, Long> counters = Binary.longMap(in);
            publisher.restoreCounters(counters);
            int models = in.readInt();
            for (int i = 0; i < models; i++) {
                String model = in.readUTF();
                ContinualLearner learner = (ContinualLearner) learners.restore(model);
                learner.readState(in, config.model().seed() + 1000 * (++restores) + created);
                if (publisher.committedLatest(model) > counters.getOrDefault(model, 0L)) {
                    learner.dropPendingTriggers(); // answered by a version committed after this checkpoint
                }
            }
            Map<TopicPartition, Long> positions = new HashMap<>();
            offsets.forEach((key, offset) -> {
                int dash = key.lastIndexOf('-');
                positions.put(new TopicPartition(key.substring(0, dash), Integer.parseInt(key.substring(dash + 1))), offset);
            });
            Timer.builder("engram.checkpoint.restore").register(registry).record(java.time.Duration.ofNanos(System.nanoTime() - start));
            LOG.info("Restored checkpoint {} ({} models, offsets {}) in {} ms", loaded.get().file().getFileName(), models, offsets,
                    (System.nanoTime() - start) / 1_000_000);
            return Optional.of(positions);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the checkpoint: " + e.getMessage(), e);
        }
    }

    /**
     * Rolls every learner back to the newest checkpoint (or to nothing when there is none) and
     * returns the offsets to resume from.
     */
    public Map<TopicPartition, Long> rollback(IngestLoop loop) {
        learners.clear();
        loop.restoreCurrentTasks(Map.of());
        publisher.restoreCounters(Map.of());
        return restore(loop).orElse(Map.of());
    }

    /**
     * After each committed batch: checkpoint at once when a replay (after a restart or a rollback)
     * just finished; else when a version went out, enough records or enough time passed, but not
     * within {@code engram.checkpoint.min-interval} of the last one.
     */
    public void afterBatch(IngestLoop loop) {
        if (!enabled() || loop.replaying()) {
            return;
        }
        if (loop.takeCheckpointDue()) {
            checkpoint(loop, "replay done");
            return;
        }
        long handled = loop.handled();
        long since = System.nanoTime() - lastNanos;
        if (written && since < config.checkpoint().minInterval().toNanos()) {
            return;
        }
        boolean versions = publisher.published() > publishedAtLast;
        boolean records = handled - handledAtLast >= config.checkpoint().everyExamples();
        boolean time = since >= config.checkpoint().everySeconds() * 1_000_000_000L;
        if (versions || records || (time && handled > handledAtLast)) {
            checkpoint(loop, versions ? "version" : records ? "records" : "time");
        }
    }

    /** Writes a checkpoint now (on the ingest thread, or after it stopped). */
    public void checkpoint(IngestLoop loop, String why) {
        if (!enabled()) {
            return;
        }
        long start = System.nanoTime();
        try {
            Path file = store().write(out -> {
                out.writeLong(System.currentTimeMillis());
                Binary.longMap(out, loop.positions().snapshot());
                Binary.stringMap(out, loop.currentTasks());
                Binary.longMap(out, publisher.counters());
                Map<String, ? extends io.engram.learn.Learner> all = learners.all();
                out.writeInt(all.size());
                for (Map.Entry<String, ? extends io.engram.learn.Learner> e : all.entrySet()) {
                    out.writeUTF(e.getKey());
                    ((ContinualLearner) e.getValue()).writeState(out);
                }
            });
            written = true;
            handledAtLast = loop.handled();
            publishedAtLast = publisher.published();
            lastNanos = System.nanoTime();
            Timer.builder("engram.checkpoint.write").register(registry).record(java.time.Duration.ofNanos(System.nanoTime() - start));
            LOG.info("Checkpoint {} ({}) written in {} ms", file.getFileName(), why, (System.nanoTime() - start) / 1_000_000);
        } catch (IOException e) {
            // the service goes on: Kafka holds every output and offset; a later checkpoint may succeed
            LOG.error("Checkpoint failed ({}): {}", why, e.toString());
        }
    }
}
