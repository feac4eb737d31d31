package io.engram.ingest;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the models of a partition come from when this instance takes it, and where their state
 * goes: the {@code engram.state} topic in the service. The ingest loop calls it; it knows nothing
 * of how snapshots are stored.
 */
public interface ModelState {

    /** What a partition's models were restored to. */
    record Restored(Long next, Set<String> models, Map<String, String> currentTasks, boolean rebuild) {

        /** No snapshot: models start fresh at the group's committed offset. */
        public static final Restored FRESH = new Restored(null, Set.of(), Map.of(), false);

        /** No snapshot: replay the partition from its beginning to rebuild the models. */
        public static final Restored REBUILD = new Restored(null, Set.of(), Map.of(), true);

        /** Models restored to the state after every record before {@code next}. */
        public static Restored at(long next, Set<String> models, Map<String, String> currentTasks) {
            return new Restored(next, Set.copyOf(models), Map.copyOf(currentTasks), false);
        }
    }

    /** Runs once before consuming, retried while the broker is away (e.g. learn which versions Kafka holds). */
    default void prepare() {
    }

    /**
     * Restores the models of newly owned (or rolled back) partitions into the learner registry;
     * runs on the loop's thread while no batch is in flight.
     */
    Map<TopicPartition, Restored> restore(Set<TopicPartition> partitions);

    /**
     * After a partition's records of a batch were handled and its versions built, on its worker
     * thread, inside the batch's transaction: writes a snapshot when one is due ({@code force}: now).
     */
    default void afterBatch(OwnedPartition partition, boolean force) {
    }

    /**
     * The partition leaves this instance (revoked, lost, or rolled back): with {@code snapshot},
     * its models' state is written first (into the open transaction, which the caller commits);
     * then its models are let go.
     */
    void release(OwnedPartition partition, boolean snapshot);

    /** Keeps nothing: models start fresh; a rollback rewinds to the committed offsets. */
    ModelState NONE = new ModelState() {
        @Override
        public Map<TopicPartition, Restored> restore(Set<TopicPartition> partitions) {
            Map<TopicPartition, Restored> out = new java.util.HashMap<>();
            partitions.forEach(tp -> out.put(tp, Restored.FRESH));
            return out;
        }

        @Override
        public void release(OwnedPartition partition, boolean snapshot) {
        }
    };
}
