package io.engram.learn;


/**
 * The learner of one model, fed by the ingest loop in stream order from a single thread.
 *
 * <p>Call order: any sequence of {@link #train}, {@link #keepForEvaluation}, {@link #endTask} and
 * {@link #publish}, exactly as the records appear on the model's partition. A task boundary is
 * an event between two examples: every example before it belongs to the ending task. When a call
 * returns, the record is handled and its offset may be committed.
 */
public interface Learner {

    /**
     * Checks that the model can take a record of {@code task} without changing anything.
     *
     * @throws ModelLimitException when the task is new and the model holds its maximum of tasks
     */
    default void checkTask(String task) {
    }

    /** Learns from one train example. */
    void train(Example example);

    /** Keeps one eval example as part of its task's evaluation set; never trained on. */
    void keepForEvaluation(Example example);

    /** The task ends: consolidate, evaluate, publish a version. */
    void endTask(String task);

    /** Publish a version now. */
    void publish();

    /**
     * The batch of records handed over since the last call is about to commit: versions its
     * triggers asked for go out now (folded into one per model), or, within
     * {@code engram.publish.min-interval} of the last version, stay due.
     *
     * @param offsets {@code "topic-partition" → next offset}: the records the model now reflects
     */
    default void batchEnded(java.util.Map<String, Long> offsets) {
    }

    /** Whether a folded version waits for {@code engram.publish.min-interval} to pass. */
    default boolean versionDue() {
        return false;
    }

    /** Counts and figures so far; safe to call from any thread. */
    LearnerStatus status();
}
