package io.engram.network;

import java.util.Arrays;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.SquaredNorm;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The same network as {@link JvmMlp} on ND4J arrays, for the backend's device (the GPU with the
 * {@code cuda} profile). Parameters are one flat ND4J vector in DL4J's layout; each layer's W and
 * b are views of it, updated in place with {@code gemm}. Activations, errors and the input block
 * are allocated once for the largest batch; a batch uses row views of them.
 *
 * <p>Implementation notes. A step makes no host synchronisation: rows held in this network's
 * {@link #rows device rows} (the rehearsal buffer, the pending minibatch) are gathered into the
 * input block on the device by index, with their classes as one-hot rows beside them; host rows
 * go up in one upload. The loss, the clipping scales and the divergence check are device
 * reductions: each step adds its mean loss to a device accumulator, and every {@code syncEvery}
 * steps the accumulator and the parameters' sum of squares come back in one download
 * ({@link #step} returns NaN between two). Every temporary of a step lives in an ND4J workspace
 * (one per network shape and thread, sized by the first step), so after the first step a step
 * allocates no new device memory. {@link #transfers()} counts every host↔device transfer. A prior's
 * step runs on the device too, through {@link DevicePriorStep} (the consolidation stage's math,
 * the ND4J twin of what {@link JvmMlp} calls through {@link PriorStep}).
 *
 * <p>On the CPU this path is slower than {@link JvmMlp} for small layers (ND4J's per-op cost
 * dominates); it exists so the learner runs on a GPU, and is checked against {@link JvmMlp}.
 */
public final class Nd4jMlp implements Network {

    /** Steps between two reads of the loss and the divergence check ({@code engram.learner.nd4j.sync-every}). */
    public static final int DEFAULT_SYNC_EVERY = 100;

    /** Learns its size in the first step, then serves every later one from that memory. */
    private static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    private final MlpSpec spec;
    private final int[] sizes;
    private final int layers;
    private final int classes;
    private final int maxBatch;
    private final int syncEvery;
    private final String workspace;
    private final Transfers transfers = new Transfers();
    private final INDArray params;
    private final INDArray[] weights;
    private final INDArray[] biases;
    private final INDArray[] snapshots;
    /**
     * A step's rows, each inputs then one-hot class (maxBatch × (d + classes)), as in
     * {@link DeviceRows}: host rows go up here in one upload, device rows are gathered here.
     */
    private final INDArray block;
    private final float[] blockHost;
    private final INDArray input;
    private final INDArray target;
    private final INDArray[] act;
    private final INDArray[] delta;
    /** [Σ mean loss of the steps since the last read, the parameters' sum of squares at the last read]. */
    private final INDArray readout;
    private final INDArray lossSum;
    private final INDArray squares;
    private final float[] readoutHost = new float[2];
    private final int[] gather;
    /** A column of ones (maxBatch × 1): the bias update is one product, b += factor · 1ᵀ D. */
    private final INDArray ones;
    private final IActivation hidden;
    private final IActivation softmax = new ActivationSoftmax();
    private int stepsSinceRead;
    private boolean finite = true;
    /** Largest L2 norm of one example's gradient in a step; 0 = no clipping. */
    private float clipNorm;
    /** Whether the prior's proximal step waits for {@link #proximalStep}. */
    private boolean priorDeferred;
    private Prior prior;
    /** The prior's step on the device (the consolidation stage's math), or null. */
    private DevicePriorStep priorStep;
    /** Per layer: its deviation from the anchor in the prior's coordinates, or null for a layer on plain weights. */
    private final DevicePriorStep.Reparameterised[] anchored;

    /**
     * @param syncEvery steps between two reads of the accumulated loss and the divergence check (1 = every step)
     */
    public Nd4jMlp(MlpSpec spec, int maxBatch, float[] parameters, int syncEvery) {
        if (syncEvery < 1) {
            throw new IllegalArgumentException("sync-every must be at least 1, found " + syncEvery);
        }
        if (parameters.length != spec.parameterCount()) {
            throw new IllegalArgumentException("expected " + spec.parameterCount() + " parameters for " + spec
                    + ", found " + parameters.length);
        }
        this.spec = spec;
        this.sizes = spec.sizes();
        this.layers = spec.layers();
        this.classes = spec.classes();
        this.maxBatch = maxBatch;
        this.syncEvery = syncEvery;
        this.workspace = "engram-nd4j-step-" + Arrays.toString(sizes) + "x" + maxBatch;
        this.params = Nd4j.create(DataType.FLOAT, 1, parameters.length);
        transfers.upload(parameters, params);
        this.weights = new INDArray[layers];
        this.biases = new INDArray[layers];
        this.act = new INDArray[layers + 1];
        this.delta = new INDArray[layers + 1];
        this.anchored = new DevicePriorStep.Reparameterised[layers];
        for (int l = 0; l < layers; l++) {
            weights[l] = viewWeights(params, l);
            biases[l] = viewBias(params, l);
            act[l + 1] = Nd4j.create(DataType.FLOAT, maxBatch, sizes[l + 1]);
            delta[l + 1] = Nd4j.create(DataType.FLOAT, maxBatch, sizes[l + 1]);
        }
        this.snapshots = new INDArray[SNAPSHOT_SLOTS];
        for (int s = 0; s < SNAPSHOT_SLOTS; s++) {
            snapshots[s] = params.dup();
        }
        this.blockHost = new float[maxBatch * (sizes[0] + classes)];
        this.block = Nd4j.create(DataType.FLOAT, maxBatch, sizes[0] + classes);
        this.input = block.get(NDArrayIndex.all(), NDArrayIndex.interval(0, sizes[0]));
        this.target = block.get(NDArrayIndex.all(), NDArrayIndex.interval(sizes[0], sizes[0] + classes));
        this.readout = Nd4j.create(DataType.FLOAT, 2);
        this.lossSum = readout.get(NDArrayIndex.point(0));
        this.squares = readout.get(NDArrayIndex.point(1));
        this.gather = new int[maxBatch];
        this.ones = Nd4j.ones(DataType.FLOAT, maxBatch, 1);
        this.hidden = switch (spec.activation()) {
            case RELU -> new ActivationReLU();
            case TANH -> new ActivationTanH();
            case SIGMOID -> new ActivationSigmoid();
        };
    }

    public Nd4jMlp(MlpSpec spec, int maxBatch, float[] parameters) {
        this(spec, maxBatch, parameters, DEFAULT_SYNC_EVERY);
    }

    public Nd4jMlp(MlpSpec spec, int maxBatch, long seed) {
        this(spec, maxBatch, JvmMlp.initialParameters(spec, seed));
    }

    @Override
    public MlpSpec spec() {
        return spec;
    }

    /** Every host↔device transfer of this network and its rows so far. */
    public Transfers transfers() {
        return transfers;
    }

    @Override
    public Rows rows(int capacity) {
        return new DeviceRows(capacity, sizes[0], classes, transfers);
    }

    /** The workspace every temporary of a step or a read lives in. */
    private MemoryWorkspace scope() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, workspace);
    }

    /** This thread's step workspace (for tests: its size after the first steps). */
    MemoryWorkspace workspace() {
        return Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(STEP_WORKSPACE, workspace);
    }

    private static INDArray rows(INDArray a, int n) {
        return a.get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
    }

    /** Brings the batch's rows into the input and target blocks; returns the n-row input view. */
    private INDArray load(Batch batch) {
        int n = batch.size();
        if (n > maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " rows exceeds this network's " + maxBatch);
        }
        int d = sizes[0];
        int width = d + classes;
        boolean host = false;
        for (int r = 0; r < n; r++) {
            if (batch.rows(r) == null) {
                host = true;
                System.arraycopy(batch.array(r), batch.offset(r), blockHost, r * width, d);
                Arrays.fill(blockHost, r * width + d, (r + 1) * width, 0f);
                blockHost[r * width + d + checkedLabel(batch.label(r))] = 1f;
            }
        }
        if (host) {
            transfers.upload(blockHost, block);
        }
        for (int r = 0; r < n;) {
            Rows from = batch.rows(r);
            if (from == null) {
                r++;
                continue;
            }
            if (!(from instanceof DeviceRows device) || device.width() != d || device.classes() != classes) {
                throw new IllegalArgumentException("batch row " + r + " is held in " + from + ", not in rows of this network");
            }
            int end = r + 1;
            while (end < n && batch.rows(end) == from) {
                end++;
            }
            for (int i = r; i < end; i++) {
                gather[i - r] = batch.slot(i);
            }
            device.gatherInto(gather, end - r, block, r);
            r = end;
        }
        return rows(input, n);
    }

    private int checkedLabel(int label) {
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException("label " + label + " outside 0.." + (classes - 1));
        }
        return label;
    }

    /** Forward pass of an n-row input; returns the output-probability view. */
    private INDArray forward(INDArray x, int n) {
        INDArray a = x;
        for (int l = 0; l < layers; l++) {
            INDArray z = rows(act[l + 1], n);
            Nd4j.gemm(a, weights[l], z, false, false, 1.0, 0.0);
            z.addiRowVector(biases[l]);
            if (anchored[l] != null) {
                anchored[l].forward(a, z);
            }
            (l == layers - 1 ? softmax : hidden).getActivation(z, true);
            a = z;
        }
        return a;
    }

    /** Per row, log p(y) (p(y) at least 1e-30, as in {@link JvmMlp}) of probabilities {@code p} against the one-hot targets; n values. */
    private INDArray logLikelihoods(INDArray p, int n) {
        return Transforms.log(Transforms.max(p.mul(rows(target, n)).sum(1), 1e-30, false), false);
    }

    /**
     * Errors of every layer with the current weights, each row's clipped to {@link #clipNorm} in a
     * step; then {@code targetParams} += factor × the gradient, top layer first, and in a step the
     * prior's proximal step.
     */
    private void backwardAndApply(INDArray x, int n, float factor, INDArray targetParams, float learningRate) {
        boolean update = targetParams == params;
        errors(n);
        if (update && clipNorm > 0f) {
            // scale = c / max(|g|, c): 1 within the bound, c / |g| beyond, 0 for a non-finite norm
            INDArray norms = Transforms.sqrt(rowNorms(x, n)[0], false);
            BooleanIndexing.replaceWhere(norms, Double.POSITIVE_INFINITY, Conditions.isNan());
            INDArray scale = Transforms.max(norms, clipNorm, false).rdivi(clipNorm).reshape(n, 1);
            for (int l = 1; l <= layers; l++) {
                rows(delta[l], n).muliColumnVector(scale);
            }
        }
        for (int l = layers - 1; l >= 0; l--) {
            INDArray in = l == 0 ? x : rows(act[l], n);
            INDArray dl = rows(delta[l + 1], n);
            if (update && anchored[l] != null) {
                anchored[l].step(dl, factor, learningRate);
                continue;
            }
            INDArray w = update ? weights[l] : viewWeights(targetParams, l);
            INDArray b = update ? biases[l] : viewBias(targetParams, l);
            Nd4j.gemm(in, dl, w, true, false, factor, 1.0);
            Nd4j.gemm(rows(ones, n), dl, b, true, false, factor, 1.0); // b += factor Σ_r d_r
        }
        if (update && !priorDeferred) {
            applyToWeights(learningRate);
        }
    }

    /** The prior's step on the plain weights. */
    private void applyToWeights(float rate) {
        if (priorStep != null && priorStep.actsOnWeights()) {
            priorStep.applyToWeights(params, rate);
        }
    }

    /** delta[L] = p − onehot(y), then each layer's below it. */
    private void errors(int n) {
        rows(delta[layers], n).assign(rows(act[layers], n)).subi(rows(target, n));
        propagate(n);
    }

    /** From delta[L], each layer's error below it: (d W_lᵀ) ⊙ f'(a_l). */
    private void propagate(int n) {
        for (int l = layers - 1; l > 0; l--) {
            INDArray below = rows(delta[l], n);
            Nd4j.gemm(rows(delta[l + 1], n), weights[l], below, false, true, 1.0, 0.0);
            if (anchored[l] != null) {
                anchored[l].addErrorBelow(rows(delta[l + 1], n), below);
            }
            below.muli(derivative(rows(act[l], n)));
        }
    }

    /**
     * Per row, as columns of n values: {squared gradient norms Σ_l |d_l|² (|a_l|² + 1), squared
     * layer-input norms Σ_l |ā_l|²}, as in {@link JvmMlp}.
     */
    private INDArray[] rowNorms(INDArray x, int n) {
        INDArray gradient = Nd4j.zeros(DataType.FLOAT, n);
        INDArray inputs = Nd4j.zeros(DataType.FLOAT, n);
        for (int l = 0; l < layers; l++) {
            INDArray in = l == 0 ? x : rows(act[l], n);
            INDArray dl = rows(delta[l + 1], n);
            INDArray a = rowSquares(in).addi(1f);
            gradient.addi(rowSquares(dl).muli(a));
            inputs.addi(a);
        }
        return new INDArray[] {gradient, inputs};
    }

    /** Σ_j m_rj² of each row: one reduction. */
    private static INDArray rowSquares(INDArray m) {
        return Nd4j.getExecutioner().exec(new SquaredNorm(m, 1));
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
        float[] measured = new float[4 + classes];
        try (MemoryWorkspace ws = scope()) {
            Batch one = new Batch(1).add(x, offset, label);
            INDArray in = load(one);
            INDArray p = forward(in, 1);
            INDArray loss = logLikelihoods(p, 1).negi();
            errors(1);
            INDArray[] norms = rowNorms(in, 1);
            INDArray error = Nd4j.create(DataType.FLOAT, 1);
            Nd4j.getExecutioner().exec(new SquaredNorm(rows(delta[layers], 1), error));
            INDArray all = Nd4j.concat(0, loss.reshape(1), norms[0].reshape(1), norms[1].reshape(1), error.reshape(1),
                    p.reshape(classes));
            transfers.download(all, measured, 0);
        }
        into[0] = measured[0];
        into[1] = (float) Math.sqrt(measured[1]);
        into[2] = (float) Math.sqrt(measured[2]);
        into[3] = (float) Math.sqrt(measured[3]);
        if (probabilities != null) {
            System.arraycopy(measured, 4, probabilities, 0, classes);
        }
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
            case RELU -> Transforms.step(a, true);
            case TANH -> a.mul(a).rsubi(1f);
            case SIGMOID -> a.rsub(1f).muli(a);
        };
    }

    @Override
    public float step(Batch batch, float learningRate) {
        int n = batch.size();
        try (MemoryWorkspace ws = scope()) {
            INDArray x = load(batch);
            lossSum.subi(logLikelihoods(forward(x, n), n).mean());
            backwardAndApply(x, n, -learningRate / n, params, learningRate);
            if (++stepsSinceRead < syncEvery) {
                return Float.NaN;
            }
            return read();
        }
    }

    /**
     * The one host synchronisation: the parameters' sum of squares into the readout, the readout
     * down; returns the mean loss of the steps since the last read and restarts its sum.
     */
    private float read() {
        sumOfSquares();
        transfers.download(readout, readoutHost, 0);
        finite = Float.isFinite(readoutHost[1]);
        float loss = stepsSinceRead == 0 ? Float.NaN : readoutHost[0] / stepsSinceRead;
        lossSum.assign(0);
        stepsSinceRead = 0;
        return loss;
    }

    /** The readout's second value ← Σ θ² plus, under a prior, Σ of the squared rotated deviations. */
    private void sumOfSquares() {
        Nd4j.getExecutioner().exec(new SquaredNorm(params, squares));
        for (DevicePriorStep.Reparameterised a : anchored) {
            if (a != null) {
                a.addSquares(squares);
            }
        }
    }

    @Override
    public float gradient(Batch batch, float[] gradient) {
        int n = batch.size();
        float[] lossAndGradient = new float[1 + gradient.length];
        try (MemoryWorkspace ws = scope()) {
            INDArray x = load(batch);
            INDArray loss = logLikelihoods(forward(x, n), n).mean().negi();
            INDArray g = Nd4j.zeros(DataType.FLOAT, 1, params.length());
            backwardAndApply(x, n, 1f / n, g, 0f);
            transfers.download(Nd4j.concat(1, loss.reshape(1, 1), g), lossAndGradient, 0);
        }
        System.arraycopy(lossAndGradient, 1, gradient, 0, gradient.length);
        return lossAndGradient[0];
    }

    @Override
    public Network sibling(int maxBatch, float[] parameters) {
        return new Nd4jMlp(spec, maxBatch, parameters, syncEvery);
    }

    @Override
    public void forwardRecording(Batch batch, float[][] layerInputs, float[] probabilities) {
        int n = batch.size();
        try (MemoryWorkspace ws = scope()) {
            INDArray x = load(batch);
            transfers.download(forward(x, n), probabilities, 0);
            transfers.download(x, layerInputs[0], 0);
            for (int l = 1; l < layers; l++) {
                transfers.download(rows(act[l], n), layerInputs[l], 0);
            }
        }
    }

    @Override
    public void backpropagateErrors(int n, float[] outputErrors, float[][] errors) {
        try (MemoryWorkspace ws = scope()) {
            INDArray top = Nd4j.create(DataType.FLOAT, n, classes);
            transfers.upload(n * classes == outputErrors.length ? outputErrors : Arrays.copyOf(outputErrors, n * classes), top);
            rows(delta[layers], n).assign(top);
            propagate(n);
            for (int l = 0; l < layers; l++) {
                transfers.download(rows(delta[l + 1], n), errors[l], 0);
            }
        }
    }

    @Override
    public void classify(Batch batch, int[] classes) {
        try (MemoryWorkspace ws = scope()) {
            INDArray p = forward(load(batch), batch.size());
            transfers.download(p.argMax(1), classes);
        }
    }

    @Override
    public void predict(float[] x, int offset, float[] probabilities) {
        try (MemoryWorkspace ws = scope()) {
            INDArray p = forward(load(new Batch(1).add(x, offset, 0)), 1);
            transfers.download(p, probabilities, 0);
        }
    }

    @Override
    public boolean isFinite() {
        try (MemoryWorkspace ws = scope()) {
            sumOfSquares();
            transfers.download(readout, readoutHost, 0);
        }
        finite = Float.isFinite(readoutHost[1]);
        return finite;
    }

    @Override
    public boolean finiteAtLastCheck() {
        return finite;
    }

    @Override
    public void parameters(float[] into) {
        transfers.download(params, into, 0);
        for (DevicePriorStep.Reparameterised a : anchored) {
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
        float[] theta = new float[from.length];
        transfers.download(params, theta, 0);
        for (int l = 0; l < layers; l++) {
            int at = spec.weightOffset(l);
            int to = spec.biasOffset(l) + sizes[l + 1];
            if (anchored[l] != null) {
                anchored[l].setDeviationFrom(from);
            } else {
                System.arraycopy(from, at, theta, at, to - at);
            }
        }
        transfers.upload(theta, params);
    }

    @Override
    public void saveSnapshot(int slot) {
        snapshots[slot].assign(params);
        for (DevicePriorStep.Reparameterised a : anchored) {
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
            for (DevicePriorStep.Reparameterised a : anchored) {
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
            try (MemoryWorkspace ws = scope()) {
                applyToWeights(rate);
            }
        }
    }

    @Override
    public void setPrior(Prior prior) {
        float[] effective = new float[(int) params.length()];
        parameters(effective);
        Arrays.fill(anchored, null);
        priorStep = null;
        this.prior = prior;
        transfers.upload(effective, params);
        if (prior != null) {
            priorStep = DevicePriorStep.bind(prior, spec, effective, maxBatch, priorDeferred, transfers);
            for (int l = 0; l < layers; l++) {
                anchored[l] = priorStep.layer(l);
            }
        }
    }
}
