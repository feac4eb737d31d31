package io.engram.learn;

import io.engram.consolidate.Consolidator;
import io.engram.replay.ReservoirBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One model's learning machinery, free of Kafka and Quarkus: network, rehearsal buffer, training
 * method, consolidator and the recent window consolidation reads. Call order: {@link #observe}
 * per train example in stream order, {@link #endTask} at each boundary.
 */
public final class LearningCore {

    private final Network network;
    private final ReservoirBuffer buffer;
    private final TrainingMethod method;
    private final Consolidator consolidator;
    private final RecentWindow window;

    LearningCore(Network network, ReservoirBuffer buffer, TrainingMethod method, Consolidator consolidator, RecentWindow window) {
        this.network = network;
        this.buffer = buffer;
        this.method = method;
        this.consolidator = consolidator;
        this.window = window;
    }

    /** Learns from one train example; returns the loss of the step taken, or NaN. */
    public float observe(float[] x, int offset, int label, int task) {
        window.add(x, offset, label);
        return method.observe(x, offset, label, task);
    }

    /** Learns any partial minibatch now; returns its loss or NaN. */
    public float flush() {
        return method.flush();
    }

    /** Task {@code task} ended: learn what is pending, then consolidate what it needs. */
    public Consolidator.Report endTask(int task) {
        method.flush();
        Consolidator.Report report = consolidator.consolidate(network, window.withBufferShare(buffer, task));
        window.clear();
        return report;
    }

    /** Writes the whole learning state: parameters, buffer, pending minibatch, recent window, prior. */
    public void writeState(java.io.DataOutputStream out) throws java.io.IOException {
        float[] effective = new float[network.spec().parameterCount()];
        network.parameters(effective);
        io.engram.checkpoint.Binary.floats(out, effective);
        buffer.writeTo(out);
        method.writeState(out);
        window.writeTo(out);
        consolidator.writeState(out);
    }

    /** Reads what {@link #writeState} wrote into this (freshly built) core; {@code seed} restarts its random sources. */
    public void readState(java.io.DataInputStream in, long seed) throws java.io.IOException {
        float[] effective = io.engram.checkpoint.Binary.floats(in);
        if (effective.length != network.spec().parameterCount()) {
            throw new java.io.IOException("checkpointed network has " + effective.length + " parameters, this one "
                    + network.spec().parameterCount() + ": engram.model.* changed");
        }
        buffer.restore(in, seed);
        method.readState(in);
        window.readFrom(in);
        consolidator.readState(in, network, effective);
    }

    public Network network() {
        return network;
    }

    public ReservoirBuffer buffer() {
        return buffer;
    }

    public TrainingMethod method() {
        return method;
    }

    /** Method, hyperparameters and consolidation, for manifests and benchmark results. */
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>(method.hyperparameters());
        d.put("consolidation", consolidator.describe());
        return d;
    }
}
