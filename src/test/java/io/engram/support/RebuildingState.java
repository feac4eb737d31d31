package io.engram.support;

import io.engram.ingest.ModelState;
import io.engram.ingest.OwnedPartition;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Model state without snapshots, for tests of the ingest loop: a rollback lets the models go
 * ({@code onRollback} resets the test's learner) and every partition is rebuilt by replaying it
 * from its beginning up to the committed offset.
 */
public final class RebuildingState implements ModelState {

    private final Runnable onRollback;
    private int rollbacks;

    public RebuildingState(Runnable onRollback) {
        this.onRollback = onRollback;
    }

    /** Times the models were let go without a snapshot (rollbacks, lost partitions). */
    public synchronized int rollbacks() {
        return rollbacks;
    }

    @Override
    public Map<TopicPartition, Restored> restore(Set<TopicPartition> partitions) {
        Map<TopicPartition, Restored> out = new HashMap<>();
        partitions.forEach(tp -> out.put(tp, Restored.REBUILD));
        return out;
    }

    @Override
    public synchronized void release(OwnedPartition partition, boolean snapshot) {
        if (!snapshot) {
            rollbacks++;
            onRollback.run();
        }
    }
}
