package io.engram.network;

/**
 * A softmax MLP classifier that trains in place. Two implementations compute the same thing:
 * {@link JvmMlp} (plain Java kernels, the CPU hot path) and {@link Nd4jMlp} (ND4J, for the GPU).
 *
 * <p>Parameters are one flat vector in DL4J's layout ({@link MlpSpec}). Snapshots are
 * preallocated slots for the Reptile interpolations of MER: {@link #saveSnapshot(int)} then,
 * after some steps, {@link #interpolateFromSnapshot(int, float)}.
 */
public interface Network {

    /** How many snapshot slots every implementation provides. */
    int SNAPSHOT_SLOTS = 2;

    MlpSpec spec();

    /**
     * One SGD step on the mean cross-entropy of the batch, each row's gradient first clipped to
     * the norm set by {@link #setClipNorm}, then the prior's proximal step when one is set (see
     * {@link Prior}). Returns the batch's mean loss before the step; a network that reads its
     * device only every few steps ({@link Nd4jMlp}) returns NaN between two reads and, at a read,
     * the mean of the losses of the steps since the last one.
     */
    float step(Batch batch, float learningRate);

    /**
     * Storage for {@code capacity} examples where this network computes (the device's memory for
     * {@link Nd4jMlp}), allocated once; batches of its rows reach a step without host copies.
     */
    Rows rows(int capacity);

    /**
     * Per-example gradient clipping in {@link #step}: a row of the batch whose gradient (over every
     * parameter, penalty excluded) has an L2 norm above {@code maxNorm} enters the step scaled down
     * to that norm, so one example moves the parameters by at most η·maxNorm / batch size. 0 (the
     * default) turns it off.
     */
    void setClipNorm(float maxNorm);

    /**
     * Measures one example under the current parameters, changing nothing: {@code into[0]} its
     * cross-entropy, {@code into[1]} the L2 norm of its gradient over every parameter (unclipped, no
     * penalty), {@code into[2]} the L2 norm of its layer inputs with their bias coordinates,
     * √(Σ_l |ā_l|²), {@code into[3]} the L2 norm of its output error |p − onehot(y)|; and, when
     * {@code probabilities} is not null, its class probabilities (as {@link #predict} gives them).
     */
    void measure(float[] x, int offset, int label, float[] into, float[] probabilities);

    /** Mean cross-entropy gradient of the batch (no penalty) into {@code gradient} (length = parameter count); no update. */
    float gradient(Batch batch, float[] gradient);

    /**
     * A network of the same implementation, on the same device, of the same spec, for batches of at
     * most {@code maxBatch} rows, holding {@code parameters} (no prior): what evaluation and Fisher
     * estimation run on, so they stay on the training backend.
     */
    Network sibling(int maxBatch, float[] parameters);

    /**
     * Forward pass of the batch, recording what the Fisher factors need: each layer's input
     * (row-major, n × d_l, into {@code layerInputs[l]}) and the output probabilities (n × C).
     */
    void forwardRecording(Batch batch, float[][] layerInputs, float[] probabilities);

    /**
     * Back-propagates output errors e (n × C, ∂loss/∂logits per row) through the activations of the
     * last {@link #forwardRecording}: every layer's pre-activation error into {@code errors[l]}
     * (n × d_{l+1}). Parameters do not change.
     */
    void backpropagateErrors(int n, float[] outputErrors, float[][] errors);

    /** The most probable class of each row of the batch into {@code classes}; labels are ignored. */
    void classify(Batch batch, int[] classes);

    /** Class probabilities of one input into {@code probabilities} (length = classes). */
    void predict(float[] x, int offset, float[] probabilities);

    /**
     * Whether every parameter (and every rotated deviation under a prior) is finite and of sane
     * size (the float sum of squares does not overflow); cheap, no copy. False means training diverged.
     */
    boolean isFinite();

    /**
     * The verdict of the network's last divergence check, without a new one where that costs a
     * host synchronisation: {@link JvmMlp} checks now ({@link #isFinite}); {@link Nd4jMlp} answers
     * from the device reduction it reads every {@code engram.learner.nd4j.sync-every} steps, so it
     * sees a divergence at most that many steps late.
     */
    boolean finiteAtLastCheck();

    /** Copies the parameters out. */
    void parameters(float[] into);

    /** Replaces the parameters. */
    void setParameters(float[] from);

    /** θ_slot ← θ. */
    void saveSnapshot(int slot);

    /** θ ← θ_slot + rate (θ − θ_slot). Rate 1 keeps θ, rate 0 restores the snapshot. */
    void interpolateFromSnapshot(int slot, float rate);

    /**
     * Sets the Laplace prior every later step includes (null removes it). A {@link Prior.Kronecker}
     * anchors at the current parameters.
     */
    void setPrior(Prior prior);

    /**
     * Whether {@link #step} leaves the prior's proximal step to {@link #proximalStep}, for methods
     * that take many small steps per example (operator splitting: data steps, then one proximal
     * step with their summed step size). A deferred K-FAC prior lets the steps run on the plain
     * weights, without the rotated forward pass of each step, for two rotations of the weights per
     * proximal step. Set before any prior; false by default.
     */
    void setPriorDeferred(boolean deferred);

    /**
     * With a deferred prior, its proximal step of step size {@code rate}: θ − θ* ← (θ − θ*) / (1 +
     * rate·λ s) along the curvature's eigendirections; nothing otherwise.
     */
    void proximalStep(float rate);
}
