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
    /** The prior's anchor θ* and per-parameter keep factors' curvature (diagonal), or nulls. */
    private INDArray diagonalAnchor;
    private INDArray diagonalCurvature;
    /** K-FAC per layer: eigenvector rows E_A (in1×in1), E_G (dOut×dOut), curvature (in1×dOut), anchor W̄*ᵀ (in1×dOut). */
    private INDArray[] eigA;
    private INDArray[] eigG;
    private INDArray[] kronCurvature;
    private INDArray[] kronAnchor;

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
            (l == layers - 1 ? softmax : hidden).getActivation(z, true);
            a = z;
        }
        return a;
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
            INDArray w = update ? weights[l] : viewWeights(targetParams, l);
            INDArray b = update ? biases[l] : viewBias(targetParams, l);
            Nd4j.gemm(in, dl, w, true, false, factor, 1.0);
            b.addi(dl.sum(0).reshape(1, sizes[l + 1]).muli(factor));
            if (update && !priorDeferred) {
                applyPrior(l, learningRate);
            }
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
        return Float.isFinite(norm * norm);
    }

    @Override
    public void parameters(float[] into) {
        float[] host = params.toFloatVector();
        System.arraycopy(host, 0, into, 0, host.length);
    }

    @Override
    public void setParameters(float[] from) {
        params.assign(Nd4j.createFromArray(from).reshape(1, from.length));
    }

    @Override
    public void saveSnapshot(int slot) {
        snapshots[slot].assign(params);
    }

    @Override
    public void interpolateFromSnapshot(int slot, float rate) {
        if (rate != 1f) {
            // θ ← s + rate (θ − s)
            params.subi(snapshots[slot]).muli(rate).addi(snapshots[slot]);
        }
    }

    /** The prior's proximal step for layer l along the curvature's eigendirections (see {@link Prior}). */
    private void applyPrior(int l, float learningRate) {
        if (diagonalAnchor != null) {
            int from = spec.weightOffset(l);
            int to = spec.biasOffset(l) + sizes[l + 1];
            INDArray theta = params.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(from, to));
            INDArray anchor = diagonalAnchor.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(from, to));
            // θ ← θ* + (θ − θ*) / (1 + η c)
            INDArray divisor = diagonalCurvature.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(from, to))
                    .mul(learningRate).addi(1f);
            theta.subi(anchor).divi(divisor).addi(anchor);
        }
        if (eigA != null && eigA[l] != null) {
            // Ṽᵀ = E_A (W̄ᵀ − W̄*ᵀ) E_Gᵀ; Ṽᵀ ⊙= 1 / (1 + η c); W̄ᵀ = W̄*ᵀ + E_Aᵀ Ṽᵀ E_G
            INDArray wbar = Nd4j.vstack(weights[l], biases[l]);
            INDArray delta = wbar.sub(kronAnchor[l]);
            INDArray rotated = eigA[l].mmul(delta).mmul(eigG[l].transpose());
            rotated.divi(kronCurvature[l].mul(learningRate).addi(1f));
            INDArray updated = eigA[l].transpose().mmul(rotated).mmul(eigG[l]).addi(kronAnchor[l]);
            weights[l].assign(updated.get(NDArrayIndex.interval(0, sizes[l]), NDArrayIndex.all()));
            biases[l].assign(updated.get(NDArrayIndex.interval(sizes[l], sizes[l] + 1), NDArrayIndex.all()));
        }
    }

    @Override
    public void setPriorDeferred(boolean deferred) {
        if ((diagonalAnchor != null || eigA != null) && deferred != priorDeferred) {
            throw new IllegalStateException("the prior's step is deferred or not before a prior is set");
        }
        priorDeferred = deferred;
    }

    @Override
    public void proximalStep(float rate) {
        if (priorDeferred) {
            for (int l = 0; l < layers; l++) {
                applyPrior(l, rate);
            }
        }
    }

    @Override
    public void setPrior(Prior prior) {
        diagonalAnchor = null;
        diagonalCurvature = null;
        eigA = null;
        eigG = null;
        kronCurvature = null;
        kronAnchor = null;
        if (prior instanceof Prior.Diagonal d) {
            diagonalAnchor = Nd4j.createFromArray(d.anchor().clone()).reshape(1, d.anchor().length);
            diagonalCurvature = Nd4j.createFromArray(d.curvature().clone()).reshape(1, d.curvature().length);
        } else if (prior instanceof Prior.Kronecker k) {
            eigA = new INDArray[layers];
            eigG = new INDArray[layers];
            kronCurvature = new INDArray[layers];
            kronAnchor = new INDArray[layers];
            for (int l = 0; l < layers; l++) {
                Prior.Layer layer = k.layers()[l];
                if (layer == null) {
                    continue;
                }
                int in1 = layer.inputs();
                int dOut = layer.outputs();
                eigA[l] = Nd4j.createFromArray(layer.qA().clone()).reshape(in1, in1);
                eigG[l] = Nd4j.createFromArray(layer.qG().clone()).reshape(dOut, dOut);
                float[] c = new float[in1 * dOut];
                for (int m = 0; m < in1; m++) {
                    for (int o = 0; o < dOut; o++) {
                        c[m * dOut + o] = k.lambda() * layer.sA()[m] * layer.sG()[o];
                    }
                }
                kronCurvature[l] = Nd4j.createFromArray(c).reshape(in1, dOut);
                kronAnchor[l] = Nd4j.vstack(weights[l], biases[l]).dup();
            }
        }
    }
}
