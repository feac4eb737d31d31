package io.engram.network;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link PriorStep} on the device, for {@link Nd4jMlp}: the same hook at the same points of a step,
 * on ND4J arrays, so a step under a prior stays on the device. The math is the consolidation
 * stage's (its ND4J twin of the host step, checked against it); it keeps its state (anchor,
 * factors, rotated deviations) in ND4J arrays allocated when the prior is bound, and its step's
 * temporaries live in the caller's workspace.
 */
public interface DevicePriorStep {

    /** {@link PriorStep#applyToWeights} on the flat parameter row vector (1 × parameters). */
    void applyToWeights(INDArray parameters, float rate);

    /** Whether {@link #applyToWeights} changes anything. */
    boolean actsOnWeights();

    /** Layer l when it runs reparameterised under this prior, else null. */
    Reparameterised layer(int l);

    /** {@link PriorStep.Reparameterised} on batches of rows at once. */
    interface Reparameterised {

        /** z (n × d_out) += the rows of (W̄ − W̄*) ā for the layer inputs a (n × d_in); keeps what the step needs. */
        void forward(INDArray a, INDArray z);

        /** below (n × d_in) += the first d_in columns of the rows d (W̄ − W̄*) for the errors d (n × d_out). */
        void addErrorBelow(INDArray d, INDArray below);

        /** The layer's step on the rows of the last {@link #forward}: errors d (n × d_out), factor = −η / n, step size rate. */
        void step(INDArray d, float factor, float rate);

        /** into[W̄ of this layer] += W̄ − W̄*, in the flat layout (on the host: a boundary, not a step). */
        void addDeviationTo(float[] into);

        /** Sets W̄ − W̄* from the layer's region of {@code from} (flat layout). */
        void setDeviationFrom(float[] from);

        void save(int slot);

        void interpolate(int slot, float rate);

        /** total (a scalar array) += the deviation's sum of squares, on the device. */
        void addSquares(INDArray total);
    }

    /**
     * The device step of {@code prior} (see {@link PriorStep.Factory#bind}), its host values
     * brought up through {@code transfers}.
     */
    static DevicePriorStep bind(Prior prior, MlpSpec spec, float[] parameters, int maxBatch, boolean deferred,
            Transfers transfers) {
        return PriorStep.Provider.FACTORY.bindDevice(prior, spec, parameters, maxBatch, deferred, transfers);
    }
}
