package io.engram.consolidate;

import io.engram.network.Network;
import io.engram.state.Sections;
import java.util.Map;

/**
 * Consolidation at a task boundary. Call order: {@link #consolidate} once per ended task, after
 * the task's last step; it estimates the ended task's Fisher at the network's current parameters
 * from {@code samples}, adds it to the prior and sets the prior on the network, which then
 * includes it in every later step.
 */
public interface Consolidator {

    Report consolidate(Network network, Samples samples);

    /** Writes the prior (factors or Fisher, anchor) as its state section; none without a prior. */
    void writeState(Sections.Writer state) throws java.io.IOException;

    /**
     * Reads the section {@link #writeState} wrote and puts the prior back on {@code network}, whose
     * parameters are then set to {@code effective}.
     */
    void readState(Sections.Reader state, Network network, float[] effective) throws java.io.IOException;

    /** Method and hyperparameters, for manifests. */
    Map<String, Object> describe();

    /**
     * What one consolidation did.
     *
     * @param stateFloats floats of prior state per layer
     */
    record Report(double seconds, int samples, long[] stateFloats) {
    }
}
