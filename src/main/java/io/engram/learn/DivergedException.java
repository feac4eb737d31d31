package io.engram.learn;

/**
 * A training step left the network with non-finite outputs (NaN or infinite): the learner must be
 * rolled back to its last checkpoint, and the record that caused it dead-lettered.
 */
public final class DivergedException extends RuntimeException {

    public DivergedException(String message) {
        super(message);
    }
}
