package io.engram.network;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The same network as {@link JvmMlp} on ND4J arrays, for the backend's device (the GPU with the
 * {@code cuda} profile). Parameters are one flat ND4J vector in DL4J's layout; each layer's W and
 * b are views of it, updated in place with {@code gemm}. Activations, errors and the input block
 * are allocated once for the largest batch; a batch uses row views of them.
 *
 * <p>On the CPU this path is slower than {@link JvmMlp} for small layers (ND4J's per-op cost
 * dominates); it exists so the learner runs on a GPU, and is checked against {@link JvmMlp}.
 */
public final class Nd4jMlp implements Network {

    private final MlpSpec spec;
    private final int[] sizes;
    private final int layers;
    private final int maxBatch;
    private final INDArray params;
    private final INDArray[] weights;
    private final INDArray[] biases;
    private final INDArray[] snapshots;
    private final INDArray input;
    private final INDArray[] act;
    private final INDArray[] delta;
    private final float[] inputHost;
    private final IActivation hidden;
    private final IActivation softmax = new ActivationSoftmax();
    /** Largest L2 norm of one example's gradient in a step; 0 = no clipping. */
    private float clipNorm;
    /** Whether the prior's proximal step waits for {@link #proximalStep}. */
    private boolean priorDeferred;
    private Prior prior;
    /** The prior's step (the consolidation stage's math, shared with {@link JvmMlp}), or null. */
    private PriorStep priorStep;
    /** Per layer: its deviation from the anchor in the prior's coordinates, or null for a layer on plain weights. */
    private final PriorStep.Reparameterised[] anchored;

    public Nd4jMlp(MlpSpec spec, int maxBatch, float[] parameters) {
        this.spec = spec;
        this.sizes = spec.sizes();
        this.layers = spec.layers();
        this.maxBatch = maxBatch;
        this.params = Nd4j.createFromArray(parameters.clone()).reshape(1, parameters.length);
        this.weights = new INDArray[layers];
        this.biases = new INDArray[layers];
        this.act = new INDArray[layers + 1];
        this.delta = new INDArray[layers + 1];
        this.anchored = new PriorStep.Reparameterised[layers];
        for (int l = 0; l < layers; l++) {
            int w = spec.weightOffset(l);
            int b = spec.biasOffset(l);
            weights[l] = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(w, b)).reshape('f', sizes[l], sizes[l + 1]);
            biases[l] = params.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(b, b + sizes[l + 1]));
            act[l + 1] = Nd4j.create(DataType.FLOAT, maxBatch, sizes[l + 1]);
            delta[l + 1] = Nd4j.create(DataType.FLOAT, maxBatch, sizes[l + 1]);
        }
        this.snapshots = new INDArray[SNAPSHOT_SLOTS];
        for (int s = 0; s < SNAPSHOT_SLOTS; s++) {
            snapshots[s] = params.dup();
        }
        this.input = Nd4j.create(DataType.FLOAT, maxBatch, sizes[0]);
        this.inputHost = new float[maxBatch * sizes[0]];
        this.hidden = switch (spec.activation()) {
            case RELU -> new ActivationReLU();
            case TANH -> new ActivationTanH();
            case SIGMOID -> new ActivationSigmoid();
        };
    }

    public Nd4jMlp(MlpSpec spec, int maxBatch, long seed) {
        this(spec, maxBatch, JvmMlp.initialParameters(spec, seed));
    }

    @Override
    public MlpSpec spec() {
        return spec;
    }

    private INDArray rows(INDArray a, int n) {
        return a.get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
    }

    /** Copies the batch's rows into the input block; returns the n-row view. */
    private INDArray load(Batch batch) {
        int n = batch.size();
        if (n > maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " rows exceeds this network's " + maxBatch);
        }
        int d = sizes[0];
        for (int r = 0; r < n; r++) {
            System.arraycopy(batch.array(r), batch.offset(r), inputHost, r * d, d);
        }
        input.data().setData(inputHost);
        return rows(input, n);
    }

    /** Forward pass of an n-row input; returns the output-probability view. */
    private INDArray forward(INDArray x, int n) {
        INDArray a = x;
        for (int l = 0; l < layers; l++) {
            INDArray z = rows(act[l + 1], n);
            Nd4j.gemm(a, weights[l], z, false, false, 1.0, 0.0);
            z.addiRowVector(biases[l]);
            if (anchored[l] != null) {
                float[] in = host(a);
                float[] out = host(z);
                int dIn = sizes[l];
                int dOut = sizes[l + 1];
                for (int r = 0; r < n; r++) {
                    anchored[l].forwardRow(in, r * dIn, r, out, r * dOut);
                }
                z.assign(Nd4j.createFromArray(out).reshape(n, dOut));
            }
            (l == layers - 1 ? softmax : hidden).getActivation(z, true);
            a = z;
        }
        return a;
    }

    /** The rows of a matrix (view) on the host, row-major. */
    private static float[] host(INDArray m) {
        return m.dup('c').data().asFloat();
    }

    private static float meanLoss(INDArray probabilities, Batch batch) {
        double loss = 0;
        for (int r = 0; r < batch.size(); r++) {
            loss -= Math.log(Math.max(probabilities.getFloat(r, batch.label(r)), 1e-30f));
        }
        return (float) (loss / batch.size());
    }

    /**
     * Errors of every layer with the current weights, each row's clipped to {@link #clipNorm} in a
     * step; then {@code targetParams} += factor × the gradient, top layer first, and in a step the
     * prior's proximal step.
     */
    private void backwardAndApply(INDArray x, Batch batch, float factor, INDArray targetParams, float learningRate) {
        int n = batch.size();
        boolean update = targetParams == params;
        errors(x, batch, n);
        if (update && clipNorm > 0f) {
            float[] squares = rowNorms(x, n)[0];
            float[] scale = new float[n];
            boolean clip = false;
            for (int r = 0; r < n; r++) {
                double norm = Math.sqrt(squares[r]);
                scale[r] = norm > clipNorm || !Double.isFinite(norm) ? (Double.isFinite(norm) ? (float) (clipNorm / norm) : 0f) : 1f;
                clip |= scale[r] != 1f;
            }
            if (clip) {
                INDArray column = Nd4j.createFromArray(scale).reshape(n, 1);
                for (int l = 1; l <= layers; l++) {
                    rows(delta[l], n).muliColumnVector(column);
                }
            }
        }
        for (int l = layers - 1; l >= 0; l--) {
            INDArray in = l == 0 ? x : rows(act[l], n);
            INDArray dl = rows(delta[l + 1], n);
            if (update && anchored[l] != null) {
                anchored[l].step(host(dl), n, factor, learningRate);
                continue;
            }
            INDArray w = update ? weights[l] : viewWeights(targetParams, l);
            INDArray b = update ? biases[l] : viewBias(targetParams, l);
            Nd4j.gemm(in, dl, w, true, false, factor, 1.0);
            b.addi(dl.sum(0).reshape(1, sizes[l + 1]).muli(factor));
        }
        if (update && !priorDeferred) {
            applyToWeights(learningRate);
        }
    }

    /** The prior's step on the plain weights (through the host, in the flat layout both networks share). */
    private void applyToWeights(float rate) {
        if (priorStep != null && priorStep.actsOnWeights()) {
            float[] theta = params.toFloatVector();
            priorStep.applyToWeights(theta, rate);
            params.assign(Nd4j.createFromArray(theta).reshape(1, theta.length));
        }
    }

    /** delta[L] = p − onehot(y), then each layer's below it: (d W_lᵀ) ⊙ f'(a_l). */
    private void errors(INDArray x, Batch batch, int n) {
        INDArray d = rows(delta[layers], n);
        d.assign(rows(act[layers], n));
        for (int r = 0; r < n; r++) {
            d.putScalar(r, batch.label(r), d.getFloat(r, batch.label(r)) - 1f);
        }
        for (int l = layers - 1; l > 0; l--) {
            INDArray below = rows(delta[l], n);
            Nd4j.gemm(rows(delta[l + 1], n), weights[l], below, false, true, 1.0, 0.0);
            if (anchored[l] != null) {
                float[] above = host(rows(delta[l + 1], n));
                float[] b = host(below);
                for (int r = 0; r < n; r++) {
                    anchored[l].addErrorBelow(above, r * sizes[l + 1], b, r * sizes[l]);
                }
                below.assign(Nd4j.createFromArray(b).reshape(n, sizes[l]));
            }
            below.muli(derivative(rows(act[l], n)));
        }
    }

    /** Per row: {squared gradient norms Σ_l |d_l|² (|a_l|² + 1), squared layer-input norms Σ_l |ā_l|²}, as in {@link JvmMlp}. */
    private float[][] rowNorms(INDArray x, int n) {
        float[] gradient = new float[n];
        float[] inputs = new float[n];
        for (int l = 0; l < layers; l++) {
            INDArray in = l == 0 ? x : rows(act[l], n);
            INDArray dl = rows(delta[l + 1], n);
            float[] a = in.mul(in).sum(1).toFloatVector();
            float[] e = dl.mul(dl).sum(1).toFloatVector();
            for (int r = 0; r < n; r++) {
                gradient[r] += e[r] * (a[r] + 1f);
                inputs[r] += a[r] + 1f;
            }
        }
        return new float[][] {gradient, inputs};
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
        Batch one = new Batch(1).add(x, offset, label);
        INDArray in = load(one);
        INDArray p = forward(in, 1);
        into[0] = meanLoss(p, one);
        if (probabilities != null) {
            for (int c = 0; c < probabilities.length; c++) {
                probabilities[c] = p.getFloat(0, c);
            }
        }
        errors(in, one, 1);
        float[][] norms = rowNorms(in, 1);
        into[1] = (float) Math.sqrt(norms[0][0]);
        into[2] = (float) Math.sqrt(norms[1][0]);
        into[3] = rows(delta[layers], 1).norm2Number().floatValue();
    }

    private INDArray viewWeights(INDArray flat, int l) {
        return flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(spec.weightOffset(l), spec.biasOffset(l)))
                .reshape('f', sizes[l], sizes[l + 1]);
    }

    private INDArray viewBias(INDArray flat, int l) {
        int b = spec.biasOffset(l);
        return flat.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(b, b + sizes[l + 1]));
    }

    /** f'(s) from a = f(s), elementwise. */
    private INDArray derivative(INDArray a) {
        return switch (spec.activation()) {
            case RELU -> a.gt(0).castTo(DataType.FLOAT);
            case TANH -> a.mul(a).rsubi(1f);
            case SIGMOID -> a.rsub(1f).muli(a);
        };
    }

    @Override
    public float step(Batch batch, float learningRate) {
        INDArray x = load(batch);
        float loss = meanLoss(forward(x, batch.size()), batch);
        backwardAndApply(x, batch, -learningRate / batch.size(), params, learningRate);
        return loss;
    }

    @Override
    public float gradient(Batch batch, float[] gradient) {
        INDArray x = load(batch);
        float loss = meanLoss(forward(x, batch.size()), batch);
        INDArray g = Nd4j.zeros(DataType.FLOAT, 1, params.length());
        backwardAndApply(x, batch, 1f / batch.size(), g, 0f);
        float[] host = g.toFloatVector();
        System.arraycopy(host, 0, gradient, 0, host.length);
        return loss;
    }

    @Override
    public void classify(Batch batch, int[] classes) {
        INDArray p = forward(load(batch), batch.size());
        INDArray argmax = p.argMax(1);
        for (int r = 0; r < batch.size(); r++) {
            classes[r] = argmax.getInt(r);
        }
    }

    @Override
    public void predict(float[] x, int offset, float[] probabilities) {
        Batch one = new Batch(1).add(x, offset, 0);
        INDArray p = forward(load(one), 1);
        for (int c = 0; c < probabilities.length; c++) {
            probabilities[c] = p.getFloat(0, c);
        }
    }

    @Override
    public boolean isFinite() {
        float norm = params.norm2Number().floatValue();
        if (!Float.isFinite(norm * norm)) {
            return false;
        }
        for (PriorStep.Reparameterised a : anchored) {
            if (a != null && !a.isFinite()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void parameters(float[] into) {
        float[] host = params.toFloatVector();
        System.arraycopy(host, 0, into, 0, host.length);
        for (PriorStep.Reparameterised a : anchored) {
            if (a != null) {
                a.addDeviationTo(into);
            }
        }
    }

    @Override
    public void setParameters(float[] from) {
        if (from.length != params.length()) {
            throw new IllegalArgumentException("expected " + params.length() + " parameters, found " + from.length);
        }
        float[] theta = params.toFloatVector();
        for (int l = 0; l < layers; l++) {
            int at = spec.weightOffset(l);
            int to = spec.biasOffset(l) + sizes[l + 1];
            if (anchored[l] != null) {
                anchored[l].setDeviationFrom(from);
            } else {
                System.arraycopy(from, at, theta, at, to - at);
            }
        }
        params.assign(Nd4j.createFromArray(theta).reshape(1, theta.length));
    }

    @Override
    public void saveSnapshot(int slot) {
        snapshots[slot].assign(params);
        for (PriorStep.Reparameterised a : anchored) {
            if (a != null) {
                a.save(slot);
            }
        }
    }

    @Override
    public void interpolateFromSnapshot(int slot, float rate) {
        if (rate != 1f) {
            // θ ← s + rate (θ − s)
            params.subi(snapshots[slot]).muli(rate).addi(snapshots[slot]);
            for (PriorStep.Reparameterised a : anchored) {
                if (a != null) {
                    a.interpolate(slot, rate);
                }
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
        if (priorDeferred) {
            applyToWeights(rate);
        }
    }

    @Override
    public void setPrior(Prior prior) {
        float[] effective = new float[(int) params.length()];
        parameters(effective);
        java.util.Arrays.fill(anchored, null);
        priorStep = null;
        this.prior = prior;
        params.assign(Nd4j.createFromArray(effective).reshape(1, effective.length));
        if (prior != null) {
            priorStep = PriorStep.bind(prior, spec, effective, maxBatch, priorDeferred);
            for (int l = 0; l < layers; l++) {
                anchored[l] = priorStep.layer(l);
            }
        }
    }
}
