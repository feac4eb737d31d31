package io.engram.learn;

import io.engram.network.Batch;
import io.engram.network.Network;
import io.engram.network.Rows;
import io.engram.replay.ReservoirBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Meta-Experience Replay, Algorithm 1 of Riemer et al. (ICLR 2019) as docs/algorithms.md states it,
 * for each incoming example:
 *
 * <pre>
 *   θ_A0 ← θ
 *   repeat s times:
 *       θ_W0 ← θ
 *       B ← [current example] + (k−1) examples drawn from the buffer
 *       for each (x, y) in B:  θ ← θ − α ∇ CE(f_θ(x), y)       one SGD step per example
 *       θ ← θ_W0 + β (θ − θ_W0)                              within-batch Reptile
 *   θ ← θ_A0 + γ (θ − θ_A0)                                  across-batch Reptile
 *   reservoir-update the buffer with the current example
 * </pre>
 *
 * Cost: s·k single-example steps per example; the snapshots are two preallocated parameter copies.
 *
 * <p>Under a prior, from {@link #DEFER_PRIOR_FROM} steps per example on, the s·k steps are data
 * steps only and the prior's proximal step follows once per example (operator splitting), with
 * their summed effective step size γ Σ_batches β α k_b: that is what the per-step penalty adds up to
 * through the two Reptile interpolations, to first order, and the fixed point is the penalty's.
 */
public final class MetaExperienceReplay implements TrainingMethod {

    /**
     * Steps per example from which the prior's step is deferred. A K-FAC prior costs each step a
     * (d_in+1)² rotation of the first layer's input and the deferred step two weight rotations,
     * 2·d_out·(d_in+1)·(d_in+1+d_out): for a 784-100-100-10 network the deferred step pays from
     * about 226 steps per example (MER's default, s = 10 and k = 101, takes 1,010).
     */
    static final int DEFER_PRIOR_FROM = 256;

    private static final int ACROSS = 0;
    private static final int WITHIN = 1;

    private final Network network;
    private final ReservoirBuffer buffer;
    private final float alpha;
    private final float beta;
    private final float gamma;
    private final int batches;
    private final int replayBatch;
    private final Batch single = new Batch(1);
    /** The incoming example, put once where the network computes and stepped on s times. */
    private final Rows current;
    private final int[] drawn;
    private final boolean deferPrior;

    /**
     * @param alpha learning rate α of each single-example step
     * @param beta within-batch Reptile rate β
     * @param gamma across-batch Reptile rate γ
     * @param batches s, batches per incoming example
     * @param replayBatch k−1, examples drawn from the buffer into each batch
     */
    public MetaExperienceReplay(Network network, ReservoirBuffer buffer, float alpha, float beta, float gamma,
            int batches, int replayBatch) {
        this(network, buffer, alpha, beta, gamma, batches, replayBatch, batches * (replayBatch + 1) >= DEFER_PRIOR_FROM);
    }

    /** @param deferPrior whether the prior's proximal step follows each example rather than each step */
    MetaExperienceReplay(Network network, ReservoirBuffer buffer, float alpha, float beta, float gamma,
            int batches, int replayBatch, boolean deferPrior) {
        this.deferPrior = deferPrior;
        network.setPriorDeferred(deferPrior);
        this.network = network;
        this.buffer = buffer;
        this.alpha = alpha;
        this.beta = beta;
        this.gamma = gamma;
        this.batches = batches;
        this.replayBatch = replayBatch;
        this.current = network.rows(1);
        this.drawn = new int[replayBatch];
    }

    @Override
    public float observe(float[] x, int offset, int label, int task) {
        current.put(0, x, offset, label);
        float loss = Float.NaN;
        double priorRate = 0;
        network.saveSnapshot(ACROSS);
        for (int b = 0; b < batches; b++) {
            network.saveSnapshot(WITHIN);
            float l = network.step(single.clear().add(current, 0, label), alpha);
            if (Float.isNaN(loss)) {
                // the current example's loss before any step on it; a network that reads its losses
                // every few steps gives the mean of the steps since its last read, at that read
                loss = l;
            }
            int n = buffer.sample(replayBatch, drawn);
            for (int i = 0; i < n; i++) {
                int slot = drawn[i];
                float replayed = network.step(single.clear().add(buffer.rows(), slot, buffer.label(slot)), alpha);
                if (Float.isNaN(loss)) {
                    loss = replayed;
                }
            }
            network.interpolateFromSnapshot(WITHIN, beta);
            priorRate += (double) beta * alpha * (n + 1);
        }
        network.interpolateFromSnapshot(ACROSS, gamma);
        if (deferPrior) {
            network.proximalStep((float) (gamma * priorRate));
        }
        buffer.add(current, 0, label, task);
        steps++;
        return loss;
    }

    @Override
    public float flush() {
        return Float.NaN; // every example is learned when it arrives
    }

    private long steps;

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public Map<String, Object> hyperparameters() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("method", "mer");
        h.put("learning_rate", alpha);
        h.put("beta", beta);
        h.put("gamma", gamma);
        h.put("batches", batches);
        h.put("replay_batch", replayBatch);
        h.put("replay_capacity", buffer.capacity());
        h.put("replay_policy", buffer.policy().name().toLowerCase());
        h.put("prior_step", deferPrior ? "once per example" : "every step");
        return h;
    }
}
