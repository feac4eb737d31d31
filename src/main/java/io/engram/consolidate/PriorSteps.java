package io.engram.consolidate;

import io.engram.network.DevicePriorStep;
import io.engram.network.MlpSpec;
import io.engram.network.Prior;
import io.engram.network.PriorStep;
import io.engram.network.Transfers;

/**
 * The consolidation stage's side of the networks' {@link PriorStep} hook: each kind of prior to
 * its step. Registered in META-INF/services, so a network binds a prior without depending on this
 * package.
 */
public final class PriorSteps implements PriorStep.Factory {

    @Override
    public PriorStep bind(Prior prior, MlpSpec spec, float[] parameters, int maxBatch, boolean deferred) {
        if (prior instanceof Prior.Diagonal d) {
            return new DiagonalStep(d, spec.parameterCount());
        }
        if (prior instanceof Prior.Kronecker k) {
            return new EigenbasisStep(spec, k.layers(), k.lambda(), Float.NaN, parameters, maxBatch, deferred);
        }
        Prior.Natural n = (Prior.Natural) prior;
        return new EigenbasisStep(spec, n.layers(), n.lambda(), n.damping(), parameters, maxBatch, deferred);
    }

    @Override
    public DevicePriorStep bindDevice(Prior prior, MlpSpec spec, float[] parameters, int maxBatch, boolean deferred,
            Transfers transfers) {
        if (prior instanceof Prior.Diagonal d) {
            return new DeviceDiagonalStep(d, spec.parameterCount(), transfers);
        }
        if (prior instanceof Prior.Kronecker k) {
            return new DeviceEigenbasisStep(spec, k.layers(), k.lambda(), Float.NaN, parameters, maxBatch, deferred, transfers);
        }
        Prior.Natural n = (Prior.Natural) prior;
        return new DeviceEigenbasisStep(spec, n.layers(), n.lambda(), n.damping(), parameters, maxBatch, deferred, transfers);
    }
}
