package io.engram.learn;

import io.engram.network.Network;
/**
 * Refuses a train example that is far beyond the recent ones, before anything learns from it.
 *
 * <p>Two statistics of each example, measured under the current parameters ({@link Network#measure}):
 * its gradient norm per unit of output error, |∇θ CE| / |p − onehot(y)|, and the norm of its layer
 * inputs, √(Σ_l |ā_l|²). An example is refused with an {@link OutlierException} when either is more
 * than {@code factor} times the 90th percentile of the same statistic over the last {@link #WINDOW}
 * accepted examples. Only accepted examples enter the statistics, so a refused example changes
 * nothing.
 *
 * <p>Implementation notes. Neither the loss nor the raw gradient norm is compared: both are large
 * for a surprising but valid example (a new class, a new task), which a continual learner must learn
 * from, and in a well-fitted stream their recent percentiles fall towards 0, so a raw threshold would
 * refuse every example of a new concept for ever. Both are also 0 for an absurd input whose class the
 * model already gets right with a saturated softmax (6 of 10 unscaled Fashion-MNIST images after
 * 1,500 examples of online SGD, 8 of 10 under MER), yet such an example poisons the rehearsal buffer.
 * Per unit of output error the gradient norm measures how far the example's own scale would move
 * the weights; the layer-input norm catches the saturated case. Measured on Fashion-MNIST after
 * 1,500 examples (online SGD, MER): normal examples reach 1.8× the 90th percentile (gradient per
 * error) and 1.5× (inputs), also just after a switch to a new pixel permutation; unscaled (0..255)
 * images reach 67× to 344× and 97× to 243×. A task switch or task end restarts the
 * {@code warmup} count (the statistics are kept): the first examples of a task are never refused.
 */
final class SpikeGuard {

    /** Accepted examples the percentiles are taken over. */
    static final int WINDOW = 256;
    /** Refreshing the percentiles every this many accepted examples keeps their cost (two sorts of {@link #WINDOW}) off the hot path. */
    private static final int REFRESH = 16;
    /** An output error below this is a saturated softmax: the gradient per unit of error is not defined. */
    private static final float SATURATED = 1e-6f;

    private final float factor;
    private final int warmup;
    private final float[] measured = new float[4];
    private final float[] gains = new float[WINDOW];
    private final float[] inputs = new float[WINDOW];
    private final float[] sorted = new float[WINDOW];
    private int gainCount;
    private int gainNext;
    private int inputCount;
    private int inputNext;
    private long sinceTaskStart;
    private int task = NONE;
    private int untilRefresh;
    private float gainLimit = Float.POSITIVE_INFINITY;
    private float inputLimit = Float.POSITIVE_INFINITY;

    /** No task yet, or unknown after a restore: the next example's task is adopted without a restart. */
    private static final int NONE = Integer.MIN_VALUE;

    /**
     * @param factor how far beyond the 90th percentile an example is refused; 0 turns the guard off
     * @param warmup accepted examples of the current task (and in the statistics) before any is judged
     */
    SpikeGuard(float factor, int warmup) {
        this.factor = factor;
        this.warmup = warmup;
    }

    boolean enabled() {
        return factor > 0f;
    }

    /**
     * Judges one train example of {@code task}: throws {@link OutlierException} (nothing changed)
     * or records it as accepted. {@code prediction}, when not null, receives the example's class
     * probabilities under the current parameters (from the same forward pass).
     */
    void admit(Network network, float[] x, int offset, int label, int task, float[] prediction) {
        if (!enabled()) {
            if (prediction != null) {
                network.predict(x, offset, prediction);
            }
            return;
        }
        network.measure(x, offset, label, measured, prediction);
        float gain = gain();
        float input = measured[2];
        boolean sameTask = task == this.task || this.task == NONE;
        int enough = Math.min(warmup, WINDOW);
        if (sameTask && sinceTaskStart >= warmup) {
            if ((inputCount >= enough && !(input <= inputLimit)) || (gainCount >= enough && gain > gainLimit)) {
                throw new OutlierException(String.format(java.util.Locale.ROOT,
                        "train example refused as an outlier: its layer-input norm is %.4g (limit %.4g) and its gradient norm"
                                + " per unit of output error %.4g (limit %.4g), against %.0f times the 90th percentile of the"
                                + " last %d accepted examples (engram.learner.spike-guard); the model is unchanged",
                        input, inputLimit, gain, gainLimit, factor, WINDOW));
            }
        }
        if (!sameTask) {
            sinceTaskStart = 0;
        }
        this.task = task;
        record(gain, input);
    }

    /** The current task ended: the next examples belong to a new one. */
    void taskEnded() {
        sinceTaskStart = 0;
    }

    /**
     * Rebuilds the statistics after a restore from examples of the current task in arrival order
     * (the recent window), measured under the restored parameters; the task is adopted from the
     * next example.
     */
    void rebuild(Network network, RecentWindow window) {
        gainCount = gainNext = inputCount = inputNext = 0;
        sinceTaskStart = 0;
        task = NONE;
        if (!enabled()) {
            return;
        }
        int from = Math.max(0, window.size() - WINDOW);
        for (int i = from; i < window.size(); i++) {
            network.measure(window.inputs(), window.offsetInOrder(i), window.labelInOrder(i), measured, null);
            record(gain(), measured[2]);
        }
        sinceTaskStart = window.size();
    }

    private float gain() {
        return measured[3] > SATURATED ? measured[1] / measured[3] : Float.NaN;
    }

    private void record(float gain, float input) {
        sinceTaskStart++;
        if (!Float.isNaN(gain)) {
            gains[gainNext] = gain;
            gainNext = (gainNext + 1) % WINDOW;
            gainCount = Math.min(gainCount + 1, WINDOW);
        }
        inputs[inputNext] = input;
        inputNext = (inputNext + 1) % WINDOW;
        inputCount = Math.min(inputCount + 1, WINDOW);
        if (--untilRefresh <= 0 || gainCount < WINDOW || inputCount < WINDOW) {
            gainLimit = factor * percentile(gains, gainCount);
            inputLimit = factor * percentile(inputs, inputCount);
            untilRefresh = REFRESH;
        }
    }

    /** The 90th percentile (nearest rank) of the first {@code count} values. */
    private float percentile(float[] values, int count) {
        if (count == 0) {
            return Float.POSITIVE_INFINITY;
        }
        System.arraycopy(values, 0, sorted, 0, count);
        java.util.Arrays.sort(sorted, 0, count);
        return sorted[(int) Math.ceil(0.9 * count) - 1];
    }
}
