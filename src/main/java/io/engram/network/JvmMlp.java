package io.engram.network;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The CPU hot path: forward, backward and the SGD update of a small MLP in plain Java loops over
 * preallocated float arrays. No allocation per step.
 *
 * <p>Implementation notes. For the small layers of a streaming learner (a 784-100-100-10 MLP,
 * batches of 1 to ~100 rows) ND4J's per-op dispatch (12-30 µs an op, several ops a layer) costs
 * more than the arithmetic (~0.27 MFLOP per example step). Here every layer is a handful of
 * tight loops ({@link Kernels}: Vector API fused multiply-adds when the module is present).
 * Rows of a batch go four at a time, so each weight row is loaded once per four rows in the
 * forward dot products and in the rank-one updates. The backward pass
 * updates the weights in place, layer by layer from the top: the error of layer l−1 is computed
 * with W_l before W_l is updated, so the result equals a gradient step on the old parameters.
 * Weights into one output unit are contiguous (DL4J's column-major layout), so both the forward
 * dot products and the rank-one updates stream through memory.
 */
public final class JvmMlp implements Network {

    private final MlpSpec spec;
    private final int[] sizes;
    private final int layers;
    private final int[] weightOffset;
    private final int[] biasOffset;
    private final float[] params;
    private final float[][] snapshots;
    /** act[l] holds the outputs of layer l (l = 1..L), row-major, one row per batch row. */
    private final float[][] act;
    /** delta[l] holds ∂loss/∂s_l per batch row. */
    private final float[][] delta;
    private final int maxBatch;
    private final Kernels kernels = Kernels.best();
    private final float[] four = new float[4];
    private final float[] block = new float[16];
    /** Largest L2 norm of one example's gradient in a step; 0 = no clipping. */
    private float clipNorm;
    /** Per batch row: squared gradient norm and squared layer-input norm, from {@link #rowNorms}. */
    private final float[] gradientSquares;
    private final float[] inputSquares;
    private final Batch single = new Batch(1);
    /** The prior's step (the consolidation stage's math), or null without a prior. */
    private PriorStep priorStep;
    /** Per layer: its deviation from the anchor in the prior's coordinates, or null for a layer on plain weights. */
    private final PriorStep.Reparameterised[] anchored;
    /** Whether the prior's proximal step waits for {@link #proximalStep}. */
    private boolean priorDeferred;
    private Prior prior;

    /**
     * A network with parameters drawn like PyTorch's {@code nn.Linear} default: W and b uniform in
     * ±1/√d_in, from a seeded random source.
     */
    public JvmMlp(MlpSpec spec, int maxBatch, long seed) {
        this(spec, maxBatch, initialParameters(spec, seed));
    }

    public JvmMlp(MlpSpec spec, int maxBatch, float[] parameters) {
        this.spec = spec;
        this.sizes = spec.sizes();
        this.layers = spec.layers();
        this.maxBatch = maxBatch;
        this.weightOffset = new int[layers];
        this.biasOffset = new int[layers];
        for (int l = 0; l < layers; l++) {
            weightOffset[l] = spec.weightOffset(l);
            biasOffset[l] = spec.biasOffset(l);
        }
        if (parameters.length != spec.parameterCount()) {
            throw new IllegalArgumentException("expected " + spec.parameterCount() + " parameters for " + spec
                    + ", found " + parameters.length);
        }
        this.params = parameters.clone();
        this.snapshots = new float[SNAPSHOT_SLOTS][params.length];
        this.anchored = new PriorStep.Reparameterised[layers];
        this.act = new float[layers + 1][];
        this.delta = new float[layers + 1][];
        this.gradientSquares = new float[maxBatch];
        this.inputSquares = new float[maxBatch];
        for (int l = 1; l <= layers; l++) {
            act[l] = new float[maxBatch * sizes[l]];
            delta[l] = new float[maxBatch * sizes[l]];
        }
    }

    /** PyTorch nn.Linear's default initialisation: U(−1/√d_in, 1/√d_in) for weights and biases. */
    public static float[] initialParameters(MlpSpec spec, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] sizes = spec.sizes();
        float[] p = new float[spec.parameterCount()];
        for (int l = 0; l < spec.layers(); l++) {
            double bound = 1.0 / Math.sqrt(sizes[l]);
            int from = spec.weightOffset(l);
            int to = spec.weightOffset(l + 1);
            for (int i = from; i < to; i++) {
                p[i] = (float) random.nextDouble(-bound, bound);
            }
        }
        return p;
    }

    @Override
    public MlpSpec spec() {
        return spec;
    }

    public int maxBatch() {
        return maxBatch;
    }

    @Override
    public float step(Batch batch, float learningRate) {
        float loss = forward(batch);
        backward(batch, params, -learningRate / batch.size(), learningRate);
        return loss;
    }

    @Override
    public float gradient(Batch batch, float[] gradient) {
        Arrays.fill(gradient, 0f);
        float loss = forward(batch);
        backward(batch, gradient, 1f / batch.size(), 0f);
        return loss;
    }

    @Override
    public void classify(Batch batch, int[] classes) {
        int n = batch.size();
        if (n > maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " rows exceeds this network's " + maxBatch);
        }
        for (int l = 0; l < layers; l++) {
            batchLayerForward(l, batch, n);
        }
        int c = sizes[layers];
        float[] out = act[layers];
        for (int r = 0; r < n; r++) {
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (out[r * c + k] > out[r * c + best]) {
                    best = k;
                }
            }
            classes[r] = best;
        }
    }

    @Override
    public void predict(float[] x, int offset, float[] probabilities) {
        float[] input = x;
        int inOffset = offset;
        for (int l = 0; l < layers; l++) {
            layerForward(l, input, inOffset, act[l + 1], 0);
            input = act[l + 1];
            inOffset = 0;
        }
        System.arraycopy(act[layers], 0, probabilities, 0, sizes[layers]);
    }

    /** Forward pass of every row; returns the mean cross-entropy. Leaves outputs in {@code act}. */
    private float forward(Batch batch) {
        int n = batch.size();
        if (n > maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " rows exceeds this network's " + maxBatch);
        }
        for (int l = 0; l < layers; l++) {
            batchLayerForward(l, batch, n);
        }
        double loss = 0;
        int classes = sizes[layers];
        for (int r = 0; r < n; r++) {
            float p = act[layers][r * classes + batch.label(r)];
            loss -= Math.log(Math.max(p, 1e-30f));
        }
        return (float) (loss / n);
    }

    private float[] input(Batch batch, int l, int r) {
        return l == 0 ? batch.array(r) : act[l];
    }

    private int inputOffset(Batch batch, int l, int r) {
        return l == 0 ? batch.offset(r) : r * sizes[l];
    }

    /** Layer l for all rows, four rows per pass over the weights. */
    private void batchLayerForward(int l, Batch batch, int n) {
        int dIn = sizes[l];
        int dOut = sizes[l + 1];
        int w = weightOffset[l];
        int b = biasOffset[l];
        float[] out = act[l + 1];
        int r = 0;
        for (; r + 3 < n; r += 4) {
            float[] x0 = input(batch, l, r), x1 = input(batch, l, r + 1), x2 = input(batch, l, r + 2), x3 = input(batch, l, r + 3);
            int o0 = inputOffset(batch, l, r), o1 = inputOffset(batch, l, r + 1);
            int o2 = inputOffset(batch, l, r + 2), o3 = inputOffset(batch, l, r + 3);
            int o = 0;
            for (; o + 3 < dOut; o += 4) {
                kernels.dot4x4(params, w + o * dIn, dIn, x0, o0, x1, o1, x2, o2, x3, o3, dIn, block);
                for (int k = 0; k < 4; k++) {
                    float bias = params[b + o + k];
                    out[r * dOut + o + k] = bias + block[4 * k];
                    out[(r + 1) * dOut + o + k] = bias + block[4 * k + 1];
                    out[(r + 2) * dOut + o + k] = bias + block[4 * k + 2];
                    out[(r + 3) * dOut + o + k] = bias + block[4 * k + 3];
                }
            }
            for (; o < dOut; o++) {
                kernels.dot4(params, w + o * dIn, x0, o0, x1, o1, x2, o2, x3, o3, dIn, four);
                float bias = params[b + o];
                out[r * dOut + o] = bias + four[0];
                out[(r + 1) * dOut + o] = bias + four[1];
                out[(r + 2) * dOut + o] = bias + four[2];
                out[(r + 3) * dOut + o] = bias + four[3];
            }
        }
        for (; r < n; r++) {
            float[] x = input(batch, l, r);
            int xo = inputOffset(batch, l, r);
            for (int o = 0; o < dOut; o++) {
                out[r * dOut + o] = params[b + o] + kernels.dot(params, w + o * dIn, x, xo, dIn);
            }
        }
        if (anchored[l] != null) {
            for (r = 0; r < n; r++) {
                anchored[l].forwardRow(input(batch, l, r), inputOffset(batch, l, r), r, out, r * dOut);
            }
        }
        for (r = 0; r < n; r++) {
            activate(l, out, r * dOut, dOut);
        }
    }

    /** s = W a + b, then the activation (softmax on the last layer), for one input. */
    private void layerForward(int l, float[] in, int inOffset, float[] out, int outOffset) {
        int dIn = sizes[l];
        int dOut = sizes[l + 1];
        int w = weightOffset[l];
        int b = biasOffset[l];
        for (int o = 0; o < dOut; o++) {
            out[outOffset + o] = params[b + o] + kernels.dot(params, w + o * dIn, in, inOffset, dIn);
        }
        if (anchored[l] != null) {
            anchored[l].forwardRow(in, inOffset, 0, out, outOffset);
        }
        activate(l, out, outOffset, dOut);
    }

    private void activate(int l, float[] out, int offset, int dOut) {
        if (l == layers - 1) {
            softmax(out, offset, dOut);
        } else {
            Activation f = spec.activation();
            for (int o = 0; o < dOut; o++) {
                out[offset + o] = f.apply(out[offset + o]);
            }
        }
    }

    /**
     * Backward pass from the outputs left by {@link #forward}; adds {@code factor} × Σ_rows ∂CE/∂θ
     * to {@code target}, which may be the parameters themselves (an in-place SGD step, with each
     * row's gradient clipped to {@link #clipNorm} and the prior's proximal step).
     */
    private void backward(Batch batch, float[] target, float factor, float learningRate) {
        boolean update = target == params;
        int n = batch.size();
        errors(batch, n);
        if (update && clipNorm > 0f) {
            clipRows(batch, n);
        }
        for (int l = layers - 1; l >= 0; l--) {
            int dIn = sizes[l];
            int dOut = sizes[l + 1];
            int w = weightOffset[l];
            int b = biasOffset[l];
            float[] d = delta[l + 1];
            if (update && anchored[l] != null) {
                anchored[l].step(d, n, factor, learningRate);
                continue;
            }
            // target[W_l] += factor Σ_r d_r ⊗ in_r, four rows per pass over each weight row
            int r = 0;
            for (; r + 3 < n; r += 4) {
                float[] x0 = input(batch, l, r), x1 = input(batch, l, r + 1), x2 = input(batch, l, r + 2), x3 = input(batch, l, r + 3);
                int o0 = inputOffset(batch, l, r), o1 = inputOffset(batch, l, r + 1);
                int o2 = inputOffset(batch, l, r + 2), o3 = inputOffset(batch, l, r + 3);
                int o = 0;
                for (; o + 3 < dOut; o += 4) {
                    for (int k = 0; k < 4; k++) {
                        for (int q = 0; q < 4; q++) {
                            block[4 * k + q] = factor * d[(r + q) * dOut + o + k];
                        }
                        target[b + o + k] += (block[4 * k] + block[4 * k + 1]) + (block[4 * k + 2] + block[4 * k + 3]);
                    }
                    kernels.axpy4x4(block, x0, o0, x1, o1, x2, o2, x3, o3, target, w + o * dIn, dIn, dIn);
                }
                for (; o < dOut; o++) {
                    float g0 = factor * d[r * dOut + o], g1 = factor * d[(r + 1) * dOut + o];
                    float g2 = factor * d[(r + 2) * dOut + o], g3 = factor * d[(r + 3) * dOut + o];
                    kernels.axpy4(g0, x0, o0, g1, x1, o1, g2, x2, o2, g3, x3, o3, target, w + o * dIn, dIn);
                    target[b + o] += (g0 + g1) + (g2 + g3);
                }
            }
            for (; r < n; r++) {
                float[] in = input(batch, l, r);
                int inOffset = inputOffset(batch, l, r);
                for (int o = 0; o < dOut; o++) {
                    float g = factor * d[r * dOut + o];
                    if (g != 0f) {
                        kernels.axpy(g, in, inOffset, target, w + o * dIn, dIn);
                        target[b + o] += g;
                    }
                }
            }
        }
        if (update && priorStep != null && !priorDeferred && priorStep.actsOnWeights()) {
            priorStep.applyToWeights(params, learningRate);
        }
    }

    /** Every layer's pre-activation error of every row, with the current weights: delta[L] = p − onehot(y), then down. */
    private void errors(Batch batch, int n) {
        int classes = sizes[layers];
        float[] top = delta[layers];
        System.arraycopy(act[layers], 0, top, 0, n * classes);
        for (int r = 0; r < n; r++) {
            top[r * classes + batch.label(r)] -= 1f; // softmax + cross-entropy: p − onehot(y)
        }
        for (int l = layers - 1; l > 0; l--) {
            errorBelow(l, n);
        }
    }

    /**
     * Per row r, from the errors and layer inputs: the squared L2 norm of the row's gradient over
     * every parameter, Σ_l |d_l|² (|a_l|² + 1) (the gradient of W̄_l = [W_l | b_l] is d_l ā_lᵀ, whose
     * Frobenius norm is |d_l| |ā_l|), into {@link #gradientSquares}; Σ_l |ā_l|² into {@link #inputSquares}.
     */
    private void rowNorms(Batch batch, int n) {
        for (int r = 0; r < n; r++) {
            double gradient = 0;
            double inputs = 0;
            for (int l = 0; l < layers; l++) {
                int dOut = sizes[l + 1];
                float[] in = input(batch, l, r);
                int inOffset = inputOffset(batch, l, r);
                double a = (double) kernels.dot(in, inOffset, in, inOffset, sizes[l]) + 1.0;
                double e = kernels.dot(delta[l + 1], r * dOut, delta[l + 1], r * dOut, dOut);
                gradient += e * a;
                inputs += a;
            }
            gradientSquares[r] = (float) gradient;
            inputSquares[r] = (float) inputs;
        }
    }

    /** Scales each row's errors so that its gradient's norm is at most {@link #clipNorm} (linear in the errors). */
    private void clipRows(Batch batch, int n) {
        rowNorms(batch, n);
        for (int r = 0; r < n; r++) {
            double norm = Math.sqrt(gradientSquares[r]);
            if (norm > clipNorm || !Double.isFinite(norm)) {
                float scale = Double.isFinite(norm) ? (float) (clipNorm / norm) : 0f;
                for (int l = 1; l <= layers; l++) {
                    int d = sizes[l];
                    for (int i = r * d; i < (r + 1) * d; i++) {
                        delta[l][i] *= scale;
                    }
                }
            }
        }
    }

    @Override
    public void setClipNorm(float maxNorm) {
        if (!(maxNorm >= 0f) || Float.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("clip norm must be a finite number >= 0, found " + maxNorm);
        }
        this.clipNorm = maxNorm;
    }

    @Override
    public void measure(float[] x, int offset, int label, float[] into, float[] probabilities) {
        single.clear().add(x, offset, label);
        into[0] = forward(single);
        if (probabilities != null) {
            System.arraycopy(act[layers], 0, probabilities, 0, sizes[layers]);
        }
        errors(single, 1);
        rowNorms(single, 1);
        into[1] = (float) Math.sqrt(gradientSquares[0]);
        into[2] = (float) Math.sqrt(inputSquares[0]);
        into[3] = (float) Math.sqrt(kernels.dot(delta[layers], 0, delta[layers], 0, sizes[layers]));
    }

    /** Error of the layer below l, with W_l before it changes: below_r = (W_lᵀ d_r) ⊙ f'(a_r). */
    private void errorBelow(int l, int n) {
        int dIn = sizes[l];
        int dOut = sizes[l + 1];
        int w = weightOffset[l];
        float[] d = delta[l + 1];
        float[] below = delta[l];
        float[] a = act[l];
        Activation f = spec.activation();
        Arrays.fill(below, 0, n * dIn, 0f);
        for (int r = 0; r < n; r++) {
            int rowOut = r * dOut;
            int rowIn = r * dIn;
            int o = 0;
            for (; o + 3 < dOut; o += 4) {
                kernels.axpy4(d[rowOut + o], params, w + o * dIn, d[rowOut + o + 1], params, w + (o + 1) * dIn,
                        d[rowOut + o + 2], params, w + (o + 2) * dIn, d[rowOut + o + 3], params, w + (o + 3) * dIn,
                        below, rowIn, dIn);
            }
            for (; o < dOut; o++) {
                kernels.axpy(d[rowOut + o], params, w + o * dIn, below, rowIn, dIn);
            }
            if (anchored[l] != null) {
                anchored[l].addErrorBelow(d, rowOut, below, rowIn);
            }
            for (int i = 0; i < dIn; i++) {
                below[rowIn + i] *= f.derivativeFromOutput(a[rowIn + i]);
            }
        }
    }

    @Override
    public Network sibling(int maxBatch, float[] parameters) {
        return new JvmMlp(spec, maxBatch, parameters);
    }

    @Override
    public void forwardRecording(Batch batch, float[][] layerInputs, float[] probabilities) {
        int n = batch.size();
        forward(batch);
        for (int r = 0; r < n; r++) {
            System.arraycopy(batch.array(r), batch.offset(r), layerInputs[0], r * sizes[0], sizes[0]);
        }
        for (int l = 1; l < layers; l++) {
            System.arraycopy(act[l], 0, layerInputs[l], 0, n * sizes[l]);
        }
        System.arraycopy(act[layers], 0, probabilities, 0, n * sizes[layers]);
    }

    @Override
    public void backpropagateErrors(int n, float[] outputErrors, float[][] errors) {
        System.arraycopy(outputErrors, 0, delta[layers], 0, n * sizes[layers]);
        for (int l = layers - 1; l > 0; l--) {
            errorBelow(l, n);
        }
        for (int l = 0; l < layers; l++) {
            System.arraycopy(delta[l + 1], 0, errors[l], 0, n * sizes[l + 1]);
        }
    }

    @Override
    public Rows rows(int capacity) {
        return Rows.onHeap(capacity, sizes[0]);
    }

    @Override
    public boolean finiteAtLastCheck() {
        return isFinite();
    }

    @Override
    public boolean isFinite() {
        if (!finiteSum(params)) {
            return false;
        }
        for (PriorStep.Reparameterised a : anchored) {
            if (a != null && !a.isFinite()) {
                return false;
            }
        }
        return true;
    }

    /**
     * A NaN or infinity anywhere makes the sum of squares non-finite; so does any |value| above
     * about 1.8e19, which no trained weight reaches unless training has diverged (ReLU hides NaN
     * and huge weights from the outputs, so outputs alone do not tell).
     */
    private boolean finiteSum(float[] values) {
        return Float.isFinite(kernels.dot(values, 0, values, 0, values.length));
    }

    @Override
    public void parameters(float[] into) {
        System.arraycopy(params, 0, into, 0, params.length);
        for (int l = 0; l < layers; l++) {
            if (anchored[l] != null) {
                anchored[l].addDeviationTo(into);
            }
        }
    }

    @Override
    public void setParameters(float[] from) {
        if (from.length != params.length) {
            throw new IllegalArgumentException("expected " + params.length + " parameters, found " + from.length);
        }
        for (int l = 0; l < layers; l++) {
            if (anchored[l] != null) {
                anchored[l].setDeviationFrom(from);
            }
        }
        for (int l = 0; l < layers; l++) {
            if (anchored[l] == null) {
                System.arraycopy(from, weightOffset[l], params, weightOffset[l], biasOffset[l] + sizes[l + 1] - weightOffset[l]);
            }
        }
    }

    @Override
    public void saveSnapshot(int slot) {
        System.arraycopy(params, 0, snapshots[slot], 0, params.length);
        for (PriorStep.Reparameterised a : anchored) {
            if (a != null) {
                a.save(slot);
            }
        }
    }

    @Override
    public void interpolateFromSnapshot(int slot, float rate) {
        if (rate == 1f) {
            return;
        }
        interpolate(params, snapshots[slot], rate);
        for (PriorStep.Reparameterised a : anchored) {
            if (a != null) {
                a.interpolate(slot, rate);
            }
        }
    }

    private static void interpolate(float[] current, float[] snapshot, float rate) {
        for (int i = 0; i < current.length; i++) {
            current[i] = snapshot[i] + rate * (current[i] - snapshot[i]);
        }
    }

    @Override
    public void setPrior(Prior prior) {
        float[] effective = new float[params.length];
        parameters(effective);
        Arrays.fill(anchored, null);
        priorStep = null;
        this.prior = prior;
        System.arraycopy(effective, 0, params, 0, params.length);
        if (prior != null) {
            priorStep = PriorStep.bind(prior, spec, params, maxBatch, priorDeferred);
            for (int l = 0; l < layers; l++) {
                anchored[l] = priorStep.layer(l);
            }
        }
    }

    @Override
    public void setPriorDeferred(boolean deferred) {
        if (prior != null && deferred != priorDeferred) {
            throw new IllegalStateException("the prior's step is deferred or not before a prior is set");
        }
        priorDeferred = deferred;
    }

    @Override
    public void proximalStep(float rate) {
        if (priorDeferred && priorStep != null) {
            priorStep.applyToWeights(params, rate);
        }
    }

    static void softmax(float[] v, int offset, int length) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < length; i++) {
            max = Math.max(max, v[offset + i]);
        }
        float sum = 0f;
        for (int i = 0; i < length; i++) {
            float e = (float) Math.exp(v[offset + i] - max);
            v[offset + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < length; i++) {
            v[offset + i] *= inv;
        }
    }

}
