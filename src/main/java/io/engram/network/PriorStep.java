package io.engram.network;

import java.util.ServiceLoader;

/**
 * The hook through which a network applies a {@link Prior}: the penalty's (or preconditioner's)
 * math lives behind it, in the consolidation stage, once for both networks; a network only calls
 * it at fixed points of its step and does its own forward and backward math.
 *
 * <p>A network binds the prior when it is set ({@link #bind}) and then, in {@link Network#step}:
 * <ul>
 * <li>for each layer {@link #layer(int)} returns non-null for, runs that layer reparameterised:
 *     its parameter region holds the anchor W̄* and the deviation lives in the step's coordinates;
 *     the network adds {@link Reparameterised#forwardRow} to each row's pre-activation and
 *     {@link Reparameterised#addErrorBelow} to the error below, and leaves the layer's update to
 *     {@link Reparameterised#step};</li>
 * <li>then calls {@link #applyToWeights} on its plain parameters (in {@link MlpSpec}'s flat
 *     layout) after the data step, or, with a deferred prior, only from
 *     {@link Network#proximalStep}.</li>
 * </ul>
 * Both networks hold their parameters in the same flat layout, so the hook works on float arrays.
 */
public interface PriorStep {

    /**
     * The part of the step on plain weights, step size {@code rate}: the proximal step of a
     * diagonal prior, or of a deferred Kronecker prior; nothing for a reparameterised layer.
     */
    void applyToWeights(float[] parameters, float rate);

    /** Whether {@link #applyToWeights} changes anything (a network may skip it, and its copies, when not). */
    boolean actsOnWeights();

    /** Layer l when it runs reparameterised under this prior, else null. */
    Reparameterised layer(int l);

    /**
     * One dense layer W̄ = [W | b] (d_out × (d_in + 1)) whose deviation from the anchor is kept in
     * the prior's own coordinates, where the step is diagonal. Rows are numbered within a batch of
     * at most the bound maximum; {@link #step} uses what {@link #forwardRow} kept of each row.
     */
    interface Reparameterised {

        /** out[outOffset ..] += (W̄ − W̄*) ā for the layer input a (d_in values) of batch row {@code row}. */
        void forwardRow(float[] a, int aOffset, int row, float[] out, int outOffset);

        /** below[belowOffset ..] += the first d_in entries of (W̄ − W̄*)ᵀ d for one row's error d (d_out values). */
        void addErrorBelow(float[] d, int dOffset, float[] below, int belowOffset);

        /**
         * The layer's step on the first {@code rows} rows of the last forward pass: data gradient
         * factor · Σ_r d_r ā_rᵀ (factor = −η / batch size, errors d row-major), then the prior's
         * part, step size {@code rate}.
         */
        void step(float[] d, int rows, float factor, float rate);

        /** into[W̄ of this layer] += W̄ − W̄*, in the flat layout. */
        void addDeviationTo(float[] into);

        /** Sets W̄ − W̄* from the layer's region of {@code from} (flat layout). */
        void setDeviationFrom(float[] from);

        /** Snapshot slot {@code slot} ← the deviation (see {@link Network#saveSnapshot}). */
        void save(int slot);

        /** deviation ← slot + rate (deviation − slot). */
        void interpolate(int slot, float rate);

        /** Whether the deviation's sum of squares is finite. */
        boolean isFinite();
    }

    /** Binds priors to networks; the consolidation stage provides it (a {@link ServiceLoader} service). */
    interface Factory {

        /**
         * The step of {@code prior} for a network of {@code spec} whose parameters are
         * {@code parameters} (the anchor of a Kronecker prior), batches of at most
         * {@code maxBatch} rows; {@code deferred}: its proximal step waits for
         * {@link Network#proximalStep} where the prior allows.
         */
        PriorStep bind(Prior prior, MlpSpec spec, float[] parameters, int maxBatch, boolean deferred);

        /** {@link #bind} for {@link Nd4jMlp}: the same step on the device. */
        DevicePriorStep bindDevice(Prior prior, MlpSpec spec, float[] parameters, int maxBatch, boolean deferred,
                Transfers transfers);
    }

    /** {@link Factory#bind} of the provider on the class path (io.engram.consolidate). */
    static PriorStep bind(Prior prior, MlpSpec spec, float[] parameters, int maxBatch, boolean deferred) {
        return Provider.FACTORY.bind(prior, spec, parameters, maxBatch, deferred);
    }

    /** The provider, looked up once. */
    final class Provider {
        static final Factory FACTORY = ServiceLoader.load(Factory.class, Factory.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + Factory.class.getName()
                        + " on the class path (META-INF/services): the consolidation stage is missing"));

        private Provider() {
        }
    }
}
