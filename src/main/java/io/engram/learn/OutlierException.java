package io.engram.learn;

/**
 * The learner refused a train example before changing any state: its loss or gradient norm was far
 * beyond those of the recent examples (the spike guard). The record is dead-lettered as
 * {@code outlier}; the model is exactly as it was before the call.
 */
public final class OutlierException extends RuntimeException {

    public OutlierException(String message) {
        super(message);
    }
}
