package io.engram.learn;

import io.engram.network.Network;
/**
 * An online learning method over a {@link Network} and, for replay methods, a rehearsal buffer.
 *
 * <p>Call order: {@link #observe} for each train example in stream order; {@link #flush()} at a
 * task boundary (and before the model is read), so a partial minibatch is learned before the task
 * ends. The method updates the rehearsal buffer itself.
 */
public interface TrainingMethod {

    /**
     * Learns from one incoming example (copied; the caller may reuse {@code x}). Returns the mean
     * loss of the last step taken, or NaN when the example only filled the minibatch.
     */
    float observe(float[] x, int offset, int label, int task);

    /** Learns from a partially filled minibatch now; returns its loss or NaN when there was none. */
    float flush();

    /** Steps taken so far: the parameters change only when this grows. */
    long steps();

    /** Writes the state sections of what the method holds between calls (a partial minibatch); none by default. */
    default void writeState(io.engram.state.Sections.Writer state) throws java.io.IOException {
    }

    /** Reads the sections {@link #writeState} wrote. */
    default void readState(io.engram.state.Sections.Reader state) throws java.io.IOException {
    }

    /** The method's name and hyperparameters, for manifests and logs. */
    java.util.Map<String, Object> hyperparameters();
}
