package io.engram.learn;

import io.engram.network.Network;
import io.engram.consolidate.Consolidator;
import io.engram.replay.ReservoirBuffer;
import io.engram.state.Binary;
import io.engram.state.Sections;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One model's learning machinery, free of Kafka and Quarkus: network, rehearsal buffer, training
 * method, consolidator and the recent window consolidation reads. Call order: {@link #observe}
 * per train example in stream order, {@link #endTask} at each boundary.
 */
public final class LearningCore {

    /** The name of the network's state section: its shape and parameters. */
    static final String NETWORK_SECTION = "network";
    /** The layout of the network's state section; a change bumps it (docs/state-format.md). */
    static final int NETWORK_VERSION = 1;

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

    /** Steps the training method took so far: the parameters change only when this grows. */
    public long steps() {
        return method.steps();
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

    /**
     * Writes the learning state as sections, in this order: the network, the rehearsal buffer, the
     * method's (a pending minibatch), the recent window, the prior.
     */
    public void writeState(Sections.Writer state) throws IOException {
        state.section(NETWORK_SECTION, NETWORK_VERSION, out -> {
            Binary.ints(out, network.spec().sizes());
            out.writeUTF(network.spec().activation().name());
            float[] effective = new float[network.spec().parameterCount()];
            network.parameters(effective);
            Binary.floats(out, effective);
        });
        buffer.writeState(state);
        method.writeState(state);
        window.writeState(state);
        consolidator.writeState(state);
    }

    /**
     * Reads the sections {@link #writeState} wrote into this (freshly built) core; {@code seed}
     * restarts its random sources. The spike guard's statistics are not part of the state: they
     * are rebuilt from the recent window under the restored parameters (with no consolidation
     * there is no window, and the guard warms up again).
     */
    public void readState(Sections.Reader state, long seed) throws IOException {
        float[][] effective = new float[1][];
        state.section(NETWORK_SECTION, 1, NETWORK_VERSION, (in, version) -> {
            int[] sizes = Binary.ints(in);
            String activation = in.readUTF();
            if (!java.util.Arrays.equals(sizes, network.spec().sizes()) || !activation.equals(network.spec().activation().name())) {
                throw new IOException("checkpointed network is " + java.util.Arrays.toString(sizes) + " " + activation
                        + ", this one " + java.util.Arrays.toString(network.spec().sizes()) + " "
                        + network.spec().activation().name() + ": engram.model.* changed");
            }
            effective[0] = Binary.floats(in);
            if (effective[0].length != network.spec().parameterCount()) {
                throw new IOException("checkpointed network has " + effective[0].length + " parameters for its shape "
                        + network.spec() + ", which has " + network.spec().parameterCount() + ": corrupt");
            }
        });
        buffer.restore(state, seed);
        method.readState(state);
        window.readState(state);
        consolidator.readState(state, network, effective[0]);
        guard.rebuild(network, window);
    }

    RecentWindow window() {
        return window;
    }

    Consolidator consolidator() {
        return consolidator;
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
