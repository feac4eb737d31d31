package io.engram.learn;

/**
 * A record names a model or a task beyond a bound ({@code engram.ingest.max-models},
 * {@code engram.learner.max-tasks}); thrown before any state changes, so the record can be
 * dead-lettered and the service goes on.
 */
public final class ModelLimitException extends RuntimeException {

    /** Which bound was reached. */
    public enum Limit { MODELS, TASKS }

    private final Limit limit;

    public ModelLimitException(Limit limit, String message) {
        super(message);
        this.limit = limit;
    }

    public Limit limit() {
        return limit;
    }
}
