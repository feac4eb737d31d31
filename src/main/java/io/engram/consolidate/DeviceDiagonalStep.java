package io.engram.consolidate;

import io.engram.network.DevicePriorStep;
import io.engram.network.Prior;
import io.engram.network.Transfers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link DiagonalStep} on the device: θ ← θ* + (θ − θ*) ⊙ 1 / (1 + η c), anchor and curvature brought up once. */
final class DeviceDiagonalStep implements DevicePriorStep {

    private final INDArray anchor;
    private final INDArray curvature;
    private final INDArray keep;
    private float rate = Float.NaN;

    DeviceDiagonalStep(Prior.Diagonal prior, int parameters, Transfers transfers) {
        if (prior.anchor().length != parameters || prior.curvature().length != parameters) {
            throw new IllegalArgumentException("diagonal prior of the wrong size: " + prior.anchor().length + " anchor and "
                    + prior.curvature().length + " curvature values for " + parameters + " parameters");
        }
        this.anchor = transfers.device(prior.anchor(), 1, parameters);
        this.curvature = transfers.device(prior.curvature(), 1, parameters);
        this.keep = Nd4j.create(DataType.FLOAT, 1, parameters);
    }

    @Override
    public void applyToWeights(INDArray parameters, float eta) {
        if (eta != rate) {
            keep.assign(curvature.mul(eta).addi(1f).rdivi(1f));
            rate = eta;
        }
        parameters.subi(anchor).muli(keep).addi(anchor);
    }

    @Override
    public boolean actsOnWeights() {
        return true;
    }

    @Override
    public Reparameterised layer(int l) {
        return null;
    }
}
