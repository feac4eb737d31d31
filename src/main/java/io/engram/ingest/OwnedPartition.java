package io.engram.ingest;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * A partition of the examples topic while this instance owns it, and the models learned from it.
 *
 * <p>A partition is the unit of ownership, movement and parallelism: all records of one model are
 * on one partition (the producer keys them by model id), one worker thread at a time handles a
 * partition's records in order, its models are snapshotted together with the offset they reflect,
 * and when the group moves the partition to another instance its models go with it.
 *
 * <p>Touched by one thread at a time: the loop's thread between batches (assignment, rollback,
 * revocation), the partition's worker during a batch.
 */
public final class OwnedPartition {

    private final TopicPartition tp;
    private final Set<String> models = new java.util.concurrent.CopyOnWriteArraySet<>(); // read by status at any time
    private final Map<String, String> currentTasks = new HashMap<>();
    private final Set<String> changed = new LinkedHashSet<>();
    private volatile long next;
    private Long replayUntil;
    private long recordsSinceSnapshot;
    private long snapshotAtNanos = System.nanoTime();
    private boolean snapshotDue;
    private boolean snapshotted;
    private volatile long replayed;

    OwnedPartition(TopicPartition tp, long next) {
        this.tp = tp;
        this.next = next;
    }

    public TopicPartition topicPartition() {
        return tp;
    }

    /** The models learned from this partition, in order of first appearance. */
    public Set<String> models() {
        return models;
    }

    /** The current train task of each model (the task a task switch would end). */
    public Map<String, String> currentTasks() {
        return currentTasks;
    }

    /** Models that took in a record since the last snapshot. */
    public Set<String> changed() {
        return changed;
    }

    /** The next offset to read: the models reflect every record before it. */
    public long next() {
        return next;
    }

    /** Records handled since the last snapshot (replayed ones included). */
    public long recordsSinceSnapshot() {
        return recordsSinceSnapshot;
    }

    /** Nanoseconds (System.nanoTime) of the last snapshot, or of the restore. */
    public long snapshotAtNanos() {
        return snapshotAtNanos;
    }

    /** True while records below the group's committed offset are replayed to rebuild state. */
    public boolean replaying() {
        return replayUntil != null;
    }

    /** Records replayed on this partition since this instance took it. */
    public long replayed() {
        return replayed;
    }

    /** True once after a replay finished: the rebuilt state is worth a snapshot at once. */
    public boolean takeSnapshotDue() {
        boolean due = snapshotDue;
        snapshotDue = false;
        return due;
    }

    /** Whether a snapshot was written since this instance took the partition. */
    public boolean snapshotted() {
        return snapshotted;
    }

    /** A snapshot of every model was written (and commits with the batch). */
    public void snapshotTaken() {
        snapshotted = true;
        changed.clear();
        recordsSinceSnapshot = 0;
        snapshotAtNanos = System.nanoTime();
    }

    void restored(Set<String> restoredModels, Map<String, String> tasks) {
        models.clear();
        models.addAll(restoredModels);
        currentTasks.clear();
        currentTasks.putAll(tasks);
        changed.clear();
        recordsSinceSnapshot = 0;
        snapshotAtNanos = System.nanoTime();
    }

    void moveTo(long nextOffset) {
        next = nextOffset;
    }

    Long replayUntil() {
        return replayUntil;
    }

    void replayUntil(Long until) {
        replayUntil = until;
    }

    void handled(String model, boolean replay) {
        recordsSinceSnapshot++;
        if (model != null && models.contains(model)) {
            changed.add(model);
        }
        if (replay) {
            replayed++;
        }
    }

    void replayDone() {
        replayUntil = null;
        snapshotDue = true;
    }
}
