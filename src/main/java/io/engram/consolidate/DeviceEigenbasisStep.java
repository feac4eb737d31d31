package io.engram.consolidate;

import io.engram.network.DevicePriorStep;
import io.engram.network.MlpSpec;
import io.engram.network.Prior;
import io.engram.network.Transfers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.SquaredNorm;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link EigenbasisStep} on the device, for the ND4J network: the same coordinates
 * ({@link EigenbasisStep.Coordinates}, computed once on the host and brought up when the prior is
 * bound) and the same maps, as matrix products over a batch's rows. Per step: Z = [A | 1] Q_Aᵀ,
 * the forward adds (Z Ṽᵀ) Q_G, the error below (d Q_Gᵀ) Ṽ Q_A[:, :d_in], the step Ṽ ← keep ⊙ Ṽ +
 * gain ⊙ factor (d Q_Gᵀ)ᵀ Z (K-FAC: gain = keep, in place). Deferred, the proximal step rotates
 * the deviation: Ṽᵀ = Q_A Δᵀ Q_Gᵀ, scaled, and back, Δᵀ = Q_Aᵀ Ṽᵀ Q_G. No host transfer in a step.
 */
final class DeviceEigenbasisStep implements DevicePriorStep {

    private final Anchored[] anchored;
    private final Rotation[] rotations;

    DeviceEigenbasisStep(MlpSpec spec, Prior.Layer[] layers, float lambda, float damping, float[] parameters, int maxBatch,
            boolean deferred, Transfers transfers) {
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
            Factors f = new Factors(new EigenbasisStep.Coordinates(spec, l, layer, lambda, damping, parameters), transfers);
            if (deferred && !natural) {
                rotations[l] = new Rotation(f);
            } else {
                anchored[l] = new Anchored(f, maxBatch);
            }
        }
    }

    @Override
    public void applyToWeights(INDArray parameters, float rate) {
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

    private static INDArray rows(INDArray m, long from, long to) {
        return m.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    /** One layer's coordinates on the device, d_out × d row-major like the host's. */
    private static final class Factors {
        final EigenbasisStep.Coordinates c;
        final Transfers transfers;
        final INDArray qA;
        /** Q_A's first d_in columns (d × d_in) and its last as a row (1 × d): Z = A Q_A[:, :d_in]ᵀ + 1 q_bᵀ. */
        final INDArray qAIn;
        final INDArray qABias;
        final INDArray qG;
        final INDArray curvature;
        final INDArray gain;
        final INDArray keep;
        float rate = Float.NaN;

        Factors(EigenbasisStep.Coordinates c, Transfers transfers) {
            this.c = c;
            this.transfers = transfers;
            this.qA = transfers.device(c.qA, c.in1, c.in1);
            this.qAIn = qA.get(NDArrayIndex.all(), NDArrayIndex.interval(0, c.dIn)).dup('c');
            this.qABias = qA.get(NDArrayIndex.all(), NDArrayIndex.point(c.dIn)).reshape(1, c.in1).dup('c');
            this.qG = transfers.device(c.qG, c.dOut, c.dOut);
            this.curvature = transfers.device(c.curvature, c.dOut, c.in1);
            this.gain = c.gain == null ? null : transfers.device(c.gain, c.dOut, c.in1);
            this.keep = Nd4j.create(DataType.FLOAT, c.dOut, c.in1);
        }

        /** The factors keep of step size η (for the last η), as {@link EigenbasisStep.Coordinates#keep}. */
        INDArray keep(float eta) {
            if (eta != rate) {
                keep.assign(gain == null ? curvature.mul(eta).addi(1f).rdivi(1f) : curvature.mul(eta).muli(gain).rsubi(1f));
                rate = eta;
            }
            return keep;
        }
    }

    /** A deferred K-FAC prior's proximal step on the plain weights, in the transposed orientation (d × d_out). */
    private static final class Rotation {
        final Factors f;
        final INDArray anchorT;
        final INDArray keepT;
        float rate = Float.NaN;

        Rotation(Factors f) {
            this.f = f;
            this.anchorT = f.transfers.device(f.c.anchor, f.c.dOut, f.c.in1).transpose().dup('c');
            this.keepT = Nd4j.create(DataType.FLOAT, f.c.in1, f.c.dOut);
        }

        void apply(INDArray params, float learningRate) {
            EigenbasisStep.Coordinates c = f.c;
            if (learningRate != rate) {
                keepT.assign(f.keep(learningRate).transpose());
                rate = learningRate;
            }
            INDArray w = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(c.weightOffset, c.biasOffset))
                    .reshape('f', c.dIn, c.dOut);
            INDArray b = params.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(c.biasOffset, c.biasOffset + c.dOut));
            INDArray delta = Nd4j.create(DataType.FLOAT, c.in1, c.dOut);
            rows(delta, 0, c.dIn).assign(w).subi(rows(anchorT, 0, c.dIn));
            rows(delta, c.dIn, c.in1).assign(b).subi(rows(anchorT, c.dIn, c.in1));
            INDArray rotated = f.qA.mmul(delta).mmul(f.qG.transpose()).muli(keepT);
            INDArray back = f.qA.transpose().mmul(rotated).mmul(f.qG);
            w.assign(rows(back, 0, c.dIn).addi(rows(anchorT, 0, c.dIn)));
            b.assign(rows(back, c.dIn, c.in1).addi(rows(anchorT, c.dIn, c.in1)));
        }
    }

    /** A reparameterised layer: its deviation Ṽ (d_out × d) on the device, Z of the last forward pass per row. */
    private static final class Anchored implements Reparameterised {
        final Factors f;
        final EigenbasisStep.Coordinates c;
        final INDArray vt;
        final INDArray[] snapshots;
        final INDArray z;
        final INDArray update;
        final INDArray squares;
        int rows;

        Anchored(Factors f, int maxBatch) {
            this.f = f;
            this.c = f.c;
            this.vt = Nd4j.create(DataType.FLOAT, c.dOut, c.in1);
            this.snapshots = new INDArray[io.engram.network.Network.SNAPSHOT_SLOTS];
            for (int s = 0; s < snapshots.length; s++) {
                snapshots[s] = Nd4j.create(DataType.FLOAT, c.dOut, c.in1);
            }
            this.z = Nd4j.create(DataType.FLOAT, maxBatch, c.in1);
            this.update = f.gain == null ? null : Nd4j.create(DataType.FLOAT, c.dOut, c.in1);
            this.squares = Nd4j.create(DataType.FLOAT, 1).get(NDArrayIndex.point(0));
        }

        @Override
        public void forward(INDArray a, INDArray out) {
            rows = (int) a.rows();
            INDArray zr = rows(z, 0, rows);
            Nd4j.gemm(a, f.qAIn, zr, false, true, 1.0, 0.0);
            zr.addiRowVector(f.qABias);
            Nd4j.gemm(zr.mmul(vt.transpose()), f.qG, out, false, false, 1.0, 1.0);
        }

        @Override
        public void addErrorBelow(INDArray d, INDArray below) {
            INDArray t = d.mmul(f.qG.transpose());
            Nd4j.gemm(t.mmul(vt), f.qAIn, below, false, false, 1.0, 1.0);
        }

        @Override
        public void step(INDArray d, float factor, float learningRate) {
            INDArray t = d.mmul(f.qG.transpose());
            INDArray zr = rows(z, 0, d.rows());
            INDArray keep = f.keep(learningRate);
            if (update == null) {
                Nd4j.gemm(t, zr, vt, true, false, factor, 1.0);
                vt.muli(keep);
            } else {
                Nd4j.gemm(t, zr, update, true, false, factor, 0.0);
                vt.muli(keep).addi(update.muli(f.gain));
            }
        }

        @Override
        public void addDeviationTo(float[] into) {
            float[] m = new float[c.dOut * c.in1];
            f.transfers.download(f.qG.transpose().mmul(vt.mmul(f.qA)), m, 0);
            for (int o = 0; o < c.dOut; o++) {
                for (int i = 0; i < c.dIn; i++) {
                    into[c.weightOffset + o * c.dIn + i] += m[o * c.in1 + i];
                }
                into[c.biasOffset + o] += m[o * c.in1 + c.dIn];
            }
        }

        @Override
        public void setDeviationFrom(float[] from) {
            float[] delta = new float[c.dOut * c.in1];
            c.copyOut(from, delta);
            for (int i = 0; i < delta.length; i++) {
                delta[i] -= c.anchor[i];
            }
            vt.assign(f.qG.mmul(f.transfers.device(delta, c.dOut, c.in1)).mmul(f.qA.transpose()));
        }

        @Override
        public void save(int slot) {
            snapshots[slot].assign(vt);
        }

        @Override
        public void interpolate(int slot, float rate) {
            vt.subi(snapshots[slot]).muli(rate).addi(snapshots[slot]);
        }

        @Override
        public void addSquares(INDArray total) {
            Nd4j.getExecutioner().exec(new SquaredNorm(vt, squares));
            total.addi(squares);
        }
    }
}
