package io.engram.consolidate;

import io.engram.network.Kernels;
import io.engram.network.MlpSpec;
import io.engram.network.Prior;
import io.engram.network.PriorStep;
import java.util.Arrays;

/**
 * The step of a Kronecker prior, {@link Prior.Kronecker} (the K-FAC penalty's proximal step) or
 * {@link Prior.Natural} (NCL's preconditioned step), the same code for both networks. Per dense
 * layer W̄ = [W | b] (d_out × d, d = d_in + 1) the prior is diagonal in the factors' eigenbasis,
 * Ṽ = Q_Gᵀ (W̄ − W̄*) Q_A with curvature c = λ s_G s_A, and every step there is one affine map per
 * coordinate, Ṽ ← keep ⊙ Ṽ + gain ⊙ U, U = −η Q_Gᵀ ∇_W̄ Q_A the data step rotated:
 * <ul>
 * <li>K-FAC: keep = gain = 1 / (1 + η c), the data step then the penalty's proximal step;</li>
 * <li>NCL: gain = δ / (c + δ), keep = 1 − η c gain, that is Ṽ − η δ (c + δ)⁻¹ (g̃ + c Ṽ).</li>
 * </ul>
 *
 * <p>Cost model (per layer, n rows a step; the same in {@code JvmMlp}, which calls this class, and
 * in {@code Nd4jMlp}, which calls its device twin {@link DeviceEigenbasisStep} on the same
 * {@link Coordinates}).
 * <ul>
 * <li>Per step ({@link Anchored}: K-FAC applied every step, and NCL always): the layer runs
 *     reparameterised, W̄ ā = W̄* ā + Q_G (Ṽ (Q_Aᵀ ā)), so the rotated data gradient is a rank-one
 *     term per row. Per row: d² + d·d_out + d_out² for the forward pass, the same again for the
 *     error below (not on the first layer), d_out² + d·d_out for the update; plus d·d_out for the
 *     coordinate map. A plain layer costs 3·d·d_out per row; never the d²·d_out of G ΔW̄ A.</li>
 * <li>Deferred ({@link Rotation}: K-FAC under MER with many steps per example): the data steps
 *     run on the plain weights; each proximal step rotates the deviation into the eigenbasis and
 *     back, 2·d_out·d·(d + d_out), once per example. NCL cannot be deferred (it preconditions each
 *     data step) and runs per step.</li>
 * </ul>
 * State: the anchor, the coordinate factors and Ṽ with its snapshots, O(d·d_out) floats each.
 */
final class EigenbasisStep implements PriorStep {

    private final Kernels kernels = Kernels.best();
    private final Anchored[] anchored;
    private final Rotation[] rotations;

    /**
     * @param damping NCL's δ, or NaN for the K-FAC penalty
     */
    EigenbasisStep(MlpSpec spec, Prior.Layer[] layers, float lambda, float damping, float[] parameters, int maxBatch,
            boolean deferred) {
        int[] sizes = spec.sizes();
        if (layers.length != spec.layers()) {
            throw new IllegalArgumentException("Kronecker prior of " + layers.length + " layers for " + spec);
        }
        if (parameters.length != spec.parameterCount()) {
            throw new IllegalArgumentException("expected " + spec.parameterCount() + " parameters, found " + parameters.length);
        }
        boolean natural = !Float.isNaN(damping);
        this.anchored = new Anchored[layers.length];
        this.rotations = new Rotation[layers.length];
        for (int l = 0; l < layers.length; l++) {
            Prior.Layer layer = layers[l];
            if (layer == null) {
                continue;
            }
            if (layer.inputs() != sizes[l] + 1 || layer.outputs() != sizes[l + 1]) {
                throw new IllegalArgumentException("Kronecker factors of layer " + l + " do not fit " + spec);
            }
            Coordinates c = new Coordinates(spec, l, layer, lambda, damping, parameters);
            if (deferred && !natural) {
                rotations[l] = new Rotation(c);
            } else {
                anchored[l] = new Anchored(c, maxBatch);
            }
        }
    }

    @Override
    public void applyToWeights(float[] parameters, float rate) {
        for (Rotation r : rotations) {
            if (r != null) {
                r.apply(parameters, rate);
            }
        }
    }

    @Override
    public boolean actsOnWeights() {
        for (Rotation r : rotations) {
            if (r != null) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Reparameterised layer(int l) {
        return anchored[l];
    }

    /**
     * One layer's eigenbasis (eigenvectors as rows, {@code qA} d × d, {@code qG} d_out × d_out),
     * its anchor W̄* (d_out × d, row-major) and the per-coordinate map of a step size.
     */
    static final class Coordinates {
        final int in1;
        final int dIn;
        final int dOut;
        final int weightOffset;
        final int biasOffset;
        final float[] qA;
        final float[] qG;
        final float[] curvature;
        /** NCL's gain δ / (c + δ), or null for K-FAC (gain = keep). */
        final float[] gain;
        final float[] anchor;
        final float[] keep;
        float rate = Float.NaN;

        Coordinates(MlpSpec spec, int l, Prior.Layer layer, float lambda, float damping, float[] parameters) {
            this.in1 = layer.inputs();
            this.dIn = in1 - 1;
            this.dOut = layer.outputs();
            this.weightOffset = spec.weightOffset(l);
            this.biasOffset = spec.biasOffset(l);
            this.qA = layer.qA();
            this.qG = layer.qG();
            this.curvature = new float[dOut * in1];
            for (int o = 0; o < dOut; o++) {
                for (int m = 0; m < in1; m++) {
                    curvature[o * in1 + m] = lambda * layer.sG()[o] * layer.sA()[m];
                }
            }
            if (Float.isNaN(damping)) {
                this.gain = null;
            } else {
                this.gain = new float[curvature.length];
                for (int i = 0; i < gain.length; i++) {
                    gain[i] = (float) (damping / ((double) curvature[i] + damping));
                }
            }
            this.anchor = new float[dOut * in1];
            copyOut(parameters, anchor);
            this.keep = new float[dOut * in1];
        }

        /** The factors keep of step size η (cached for the last η). */
        float[] keep(float eta) {
            if (eta != rate) {
                for (int i = 0; i < keep.length; i++) {
                    keep[i] = gain == null ? 1f / (1f + eta * curvature[i]) : 1f - eta * curvature[i] * gain[i];
                }
                rate = eta;
            }
            return keep;
        }

        /** The layer's W̄ (d_out × d, row-major) from the flat layout. */
        void copyOut(float[] flat, float[] wbar) {
            for (int o = 0; o < dOut; o++) {
                System.arraycopy(flat, weightOffset + o * dIn, wbar, o * in1, dIn);
                wbar[o * in1 + dIn] = flat[biasOffset + o];
            }
        }
    }

    /**
     * A deferred K-FAC prior on a layer trained on its plain weights: the proximal step rotates the
     * deviation into the factors' eigenbasis, Ṽ = E_G (W̄ − W̄*) E_Aᵀ (eigenvectors as the rows of
     * E), multiplies it by keep and rotates it back.
     */
    private final class Rotation {
        final Coordinates c;
        final float[] delta;
        final float[] rotated;
        final float[] row;
        final float[] block = new float[16];

        Rotation(Coordinates c) {
            this.c = c;
            this.delta = new float[c.dOut * c.in1];
            this.rotated = new float[c.dOut * c.in1];
            this.row = new float[c.in1];
        }

        void apply(float[] params, float learningRate) {
            int in1 = c.in1;
            int dIn = c.dIn;
            int dOut = c.dOut;
            float[] qA = c.qA;
            float[] qG = c.qG;
            float[] keep = c.keep(learningRate);
            c.copyOut(params, delta);
            for (int i = 0; i < delta.length; i++) {
                delta[i] -= c.anchor[i];
            }
            // rotated = E_G Δ, then Ṽ = rotated E_Aᵀ into delta, scaled
            Arrays.fill(rotated, 0f);
            for (int k = 0; k < dOut; k++) {
                for (int o = 0; o < dOut; o++) {
                    kernels.axpy(qG[k * dOut + o], delta, o * in1, rotated, k * in1, in1);
                }
            }
            // Ṽ[k][m] = rotated_k · E_A[m], in 4×4 blocks (each loaded chunk used four times)
            int k4 = dOut - dOut % 4;
            int m4 = in1 - in1 % 4;
            for (int k = 0; k < k4; k += 4) {
                for (int m = 0; m < m4; m += 4) {
                    kernels.dot4x4(qA, m * in1, in1, rotated, k * in1, rotated, (k + 1) * in1, rotated, (k + 2) * in1,
                            rotated, (k + 3) * in1, in1, block);
                    for (int mm = 0; mm < 4; mm++) {
                        for (int r = 0; r < 4; r++) {
                            delta[(k + r) * in1 + m + mm] = block[4 * mm + r];
                        }
                    }
                }
                for (int m = m4; m < in1; m++) {
                    for (int r = 0; r < 4; r++) {
                        delta[(k + r) * in1 + m] = kernels.dot(rotated, (k + r) * in1, qA, m * in1, in1);
                    }
                }
            }
            for (int k = k4; k < dOut; k++) {
                for (int m = 0; m < in1; m++) {
                    delta[k * in1 + m] = kernels.dot(rotated, k * in1, qA, m * in1, in1);
                }
            }
            for (int i = 0; i < delta.length; i++) {
                delta[i] *= keep[i];
            }
            // back: rotated_k = Σ_j Ṽ[k][j] E_A[j] in 4×4 blocks, then W̄ = W̄* + E_Gᵀ rotated
            Arrays.fill(rotated, 0f);
            for (int k = 0; k < k4; k += 4) {
                for (int j = 0; j < m4; j += 4) {
                    for (int kk = 0; kk < 4; kk++) {
                        for (int r = 0; r < 4; r++) {
                            block[4 * kk + r] = delta[(k + kk) * in1 + j + r];
                        }
                    }
                    kernels.axpy4x4(block, qA, j * in1, qA, (j + 1) * in1, qA, (j + 2) * in1, qA, (j + 3) * in1,
                            rotated, k * in1, in1, in1);
                }
                for (int j = m4; j < in1; j++) {
                    for (int kk = 0; kk < 4; kk++) {
                        kernels.axpy(delta[(k + kk) * in1 + j], qA, j * in1, rotated, (k + kk) * in1, in1);
                    }
                }
            }
            for (int k = k4; k < dOut; k++) {
                for (int j = 0; j < in1; j++) {
                    kernels.axpy(delta[k * in1 + j], qA, j * in1, rotated, k * in1, in1);
                }
            }
            for (int o = 0; o < dOut; o++) {
                System.arraycopy(c.anchor, o * in1, row, 0, in1);
                for (int k = 0; k < dOut; k++) {
                    kernels.axpy(qG[k * dOut + o], rotated, k * in1, row, 0, in1);
                }
                System.arraycopy(row, 0, params, c.weightOffset + o * dIn, dIn);
                params[c.biasOffset + o] = row[dIn];
            }
        }
    }

    /**
     * A layer whose parameter region holds the anchor W̄* and whose deviation lives in rotated
     * coordinates Ṽ (d_out × d, row-major). The forward pass adds Q_G (Ṽ (Q_Aᵀ ā)); a step adds
     * the data gradient rotated, −η (Q_Gᵀ d)(Q_Aᵀ ā)ᵀ per row, through the coordinate map.
     */
    private final class Anchored implements Reparameterised {
        final Coordinates c;
        final int in1;
        final int dIn;
        final int dOut;
        final float[] vt;
        final float[][] snapshots;
        /** Q_Aᵀ ā of each batch row, from the forward pass. */
        final float[] z;
        /** The rotated data step U of NCL (K-FAC adds it to Ṽ in place). */
        final float[] update;
        final float[] u;
        final float[] t;
        final float[] w;

        Anchored(Coordinates c, int maxBatch) {
            this.c = c;
            this.in1 = c.in1;
            this.dIn = c.dIn;
            this.dOut = c.dOut;
            this.vt = new float[dOut * in1];
            this.snapshots = new float[io.engram.network.Network.SNAPSHOT_SLOTS][dOut * in1];
            this.z = new float[maxBatch * in1];
            this.update = c.gain == null ? null : new float[dOut * in1];
            this.u = new float[dOut];
            this.t = new float[dOut];
            this.w = new float[in1];
        }

        @Override
        public void forwardRow(float[] a, int aOffset, int r, float[] out, int outOffset) {
            float[] qA = c.qA;
            int zr = r * in1;
            for (int m = 0; m < in1; m++) {
                z[zr + m] = kernels.dot(qA, m * in1, a, aOffset, dIn) + qA[m * in1 + dIn];
            }
            for (int k = 0; k < dOut; k++) {
                u[k] = kernels.dot(vt, k * in1, z, zr, in1);
            }
            for (int k = 0; k < dOut; k++) {
                kernels.axpy(u[k], c.qG, k * dOut, out, outOffset, dOut);
            }
        }

        @Override
        public void addErrorBelow(float[] d, int dOffset, float[] below, int belowOffset) {
            rotate(d, dOffset);
            Arrays.fill(w, 0f);
            for (int k = 0; k < dOut; k++) {
                kernels.axpy(t[k], vt, k * in1, w, 0, in1);
            }
            for (int m = 0; m < in1; m++) {
                kernels.axpy(w[m], c.qA, m * in1, below, belowOffset, dIn);
            }
        }

        /** t = Q_Gᵀ d. */
        private void rotate(float[] d, int dOffset) {
            for (int k = 0; k < dOut; k++) {
                t[k] = kernels.dot(c.qG, k * dOut, d, dOffset, dOut);
            }
        }

        @Override
        public void step(float[] d, int n, float factor, float learningRate) {
            float[] target = update == null ? vt : update;
            if (update != null) {
                Arrays.fill(update, 0f);
            }
            for (int r = 0; r < n; r++) {
                rotate(d, r * dOut);
                for (int k = 0; k < dOut; k++) {
                    float g = factor * t[k];
                    if (g != 0f) {
                        kernels.axpy(g, z, r * in1, target, k * in1, in1);
                    }
                }
            }
            float[] keep = c.keep(learningRate);
            if (update == null) {
                for (int i = 0; i < vt.length; i++) {
                    vt[i] *= keep[i];
                }
            } else {
                float[] gain = c.gain;
                for (int i = 0; i < vt.length; i++) {
                    vt[i] = keep[i] * vt[i] + gain[i] * update[i];
                }
            }
        }

        @Override
        public void addDeviationTo(float[] into) {
            float[] m = new float[dOut * in1];
            for (int k = 0; k < dOut; k++) {
                for (int j = 0; j < in1; j++) {
                    float v = vt[k * in1 + j];
                    if (v != 0f) {
                        kernels.axpy(v, c.qA, j * in1, m, k * in1, in1);
                    }
                }
            }
            float[] row = new float[in1];
            for (int o = 0; o < dOut; o++) {
                Arrays.fill(row, 0f);
                for (int k = 0; k < dOut; k++) {
                    kernels.axpy(c.qG[k * dOut + o], m, k * in1, row, 0, in1);
                }
                kernels.axpy(1f, row, 0, into, c.weightOffset + o * dIn, dIn);
                into[c.biasOffset + o] += row[dIn];
            }
        }

        @Override
        public void setDeviationFrom(float[] from) {
            float[] delta = new float[dOut * in1];
            c.copyOut(from, delta);
            for (int i = 0; i < delta.length; i++) {
                delta[i] -= c.anchor[i];
            }
            float[] n1 = new float[dOut * in1];
            for (int k = 0; k < dOut; k++) {
                for (int o = 0; o < dOut; o++) {
                    kernels.axpy(c.qG[k * dOut + o], delta, o * in1, n1, k * in1, in1);
                }
            }
            for (int k = 0; k < dOut; k++) {
                for (int m2 = 0; m2 < in1; m2++) {
                    vt[k * in1 + m2] = kernels.dot(n1, k * in1, c.qA, m2 * in1, in1);
                }
            }
        }

        @Override
        public void save(int slot) {
            System.arraycopy(vt, 0, snapshots[slot], 0, vt.length);
        }

        @Override
        public void interpolate(int slot, float rate) {
            float[] s = snapshots[slot];
            for (int i = 0; i < vt.length; i++) {
                vt[i] = s[i] + rate * (vt[i] - s[i]);
            }
        }

        @Override
        public boolean isFinite() {
            return Float.isFinite(kernels.dot(vt, 0, vt, 0, vt.length));
        }
    }
}
