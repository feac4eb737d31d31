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
    private final LearnerSettings.Outliers outliers;
    private final SpikeGuard guard;
    /** Consolidate every this many train examples without a task end (0 = only at task ends); at most the window's capacity. */
    private final int consolidateEvery;
    /** Whether a periodic consolidation took place in the current task (its buffer share is consolidated then). */
    private boolean consolidatedInTask;

    LearningCore(Network network, ReservoirBuffer buffer, TrainingMethod method, Consolidator consolidator, RecentWindow window,
            LearnerSettings.Outliers outliers, int consolidateEvery) {
        this.network = network;
        this.buffer = buffer;
        this.method = method;
        this.consolidator = consolidator;
        this.window = window;
        this.outliers = outliers;
        this.guard = new SpikeGuard(outliers.spikeGuard(), outliers.spikeGuardWarmup());
        network.setClipNorm(outliers.clipNorm());
        this.consolidateEvery = consolidateEvery;
    }

    /**
     * Learns from one train example; returns the loss of the step taken, or NaN.
     *
     * @throws OutlierException when the spike guard refuses the example; then nothing has changed
     *     (parameters, buffer, pending minibatch, recent window, the guard's statistics)
     */
    public float observe(float[] x, int offset, int label, int task) {
        return observe(x, offset, label, task, null);
    }

    /**
     * {@link #observe(float[], int, int, int)}, and when {@code prediction} is not null it receives
     * the example's class probabilities before it is learned (test-then-train), from the spike
     * guard's forward pass when the guard is on: one forward pass serves both.
     */
    public float observe(float[] x, int offset, int label, int task, float[] prediction) {
        guard.admit(network, x, offset, label, task, prediction);
        window.add(x, offset, label);
        float loss = method.observe(x, offset, label, task);
        if (consolidateEvery > 0 && window.size() >= consolidateEvery) {
            // periodic consolidation without a task end: the window holds exactly the examples since the last one
            method.flush();
            consolidator.consolidate(network, window.withBufferShare(null, task)); // earlier periods' examples are consolidated
            window.clear();
            consolidatedInTask = true;
        }
        return loss;
    }

    /** Learns any partial minibatch now; returns its loss or NaN. */
    public float flush() {
        return method.flush();
    }

    /** Task {@code task} ended: learn what is pending, then consolidate what it needs. */
    public Consolidator.Report endTask(int task) {
        method.flush();
        Consolidator.Report report = consolidator.consolidate(network,
                window.withBufferShare(consolidatedInTask ? null : buffer, task));
        window.clear();
        consolidatedInTask = false;
        guard.taskEnded();
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

    /**
     * Reads what {@link #writeState} wrote into this (freshly built) core; {@code seed} restarts its
     * random sources. The spike guard's statistics are not part of the state: they are rebuilt from
     * the recent window under the restored parameters (with no consolidation there is no window,
     * and the guard warms up again).
     */
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
        guard.rebuild(network, window);
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
        d.put("clip_norm", outliers.clipNorm());
        d.put("spike_guard", outliers.spikeGuard());
        d.put("spike_guard_warmup", outliers.spikeGuardWarmup());
        d.put("consolidation", consolidator.describe());
        return d;
    }
}
