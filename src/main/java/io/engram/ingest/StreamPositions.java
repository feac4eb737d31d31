package io.engram.ingest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * For each consumed partition, the next offset to read after the records handed to the learners
 * so far: what a model version built now has seen ({@code offsets} of its manifest).
 */
public final class StreamPositions {

    private final Map<TopicPartition, Long> next = new ConcurrentHashMap<>();

    /**
     * The learners' state now reflects the records of {@code tp} before {@code nextOffset}: a record
     * handed over, or a restore, rollback or rewind.
     */
    void moveTo(TopicPartition tp, long nextOffset) {
        next.put(tp, nextOffset);
    }

    /** Next offset of the partition the learners have taken in; null when none of it. */
    Long get(TopicPartition tp) {
        return next.get(tp);
    }

    /** {@code "topic-partition" → next offset}, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        next.forEach((tp, offset) -> out.put(tp.topic() + "-" + tp.partition(), offset));
        return out;
    }
}
