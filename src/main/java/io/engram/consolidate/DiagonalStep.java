package io.engram.consolidate;

import io.engram.network.Prior;
import io.engram.network.PriorStep;

/**
 * The step of a diagonal prior (EWC and online EWC), the same code for both networks: the
 * proximal step θ_i ← θ*_i + (θ_i − θ*_i) / (1 + η c_i) on the plain weights after the data step
 * (or once per example when deferred). O(parameters) per application, no state beyond the factors
 * 1 / (1 + η c) of the last η.
 */
final class DiagonalStep implements PriorStep {

    private final float[] anchor;
    private final float[] curvature;
    private final float[] keep;
    private float rate = Float.NaN;

    DiagonalStep(Prior.Diagonal prior, int parameters) {
        if (prior.anchor().length != parameters || prior.curvature().length != parameters) {
            throw new IllegalArgumentException("diagonal prior of the wrong size: " + prior.anchor().length + " anchor and "
                    + prior.curvature().length + " curvature values for " + parameters + " parameters");
        }
        this.anchor = prior.anchor();
        this.curvature = prior.curvature();
        this.keep = new float[parameters];
    }

    @Override
    public void applyToWeights(float[] parameters, float eta) {
        if (eta != rate) {
            for (int i = 0; i < curvature.length; i++) {
                keep[i] = 1f / (1f + eta * curvature[i]);
            }
            rate = eta;
        }
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = anchor[i] + (parameters[i] - anchor[i]) * keep[i];
        }
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
