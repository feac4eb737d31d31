package io.engram.consolidate;

import io.engram.config.LabelMode;
import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import io.engram.network.Network;
import java.util.SplittableRandom;

/** F_i = E[(∂ log p(ŷ|x) / ∂θ_i)²], from per-example gradients. */
final class DiagonalFisher {

    private DiagonalFisher() {
    }

    static double[] estimate(MlpSpec spec, float[] parameters, Samples samples, LabelMode mode, SplittableRandom random) {
        return estimate(new JvmMlp(spec, 1, parameters), samples, mode, random);
    }

    /** The Fisher of {@code net} (single-example batches; a sibling of the learner's network, so on its backend). */
    static double[] estimate(Network net, Samples samples, LabelMode mode, SplittableRandom random) {
        MlpSpec spec = net.spec();
        int parameterCount = spec.parameterCount();
        int classes = spec.classes();
        double[] fisher = new double[parameterCount];
        float[] gradient = new float[parameterCount];
        float[] probabilities = new float[classes];
        Batch one = new Batch(1);
        int n = samples.count();
        for (int i = 0; i < n; i++) {
            net.predict(samples.array(i), samples.offset(i), probabilities);
            if (mode == LabelMode.EXPECTED) {
                for (int c = 0; c < classes; c++) {
                    net.gradient(one.clear().add(samples.array(i), samples.offset(i), c), gradient);
                    accumulate(fisher, gradient, probabilities[c] / (double) n);
                }
            } else {
                int target = mode == LabelMode.EMPIRICAL ? samples.label(i)
                        : KroneckerFactors.draw(probabilities, 0, classes, random);
                net.gradient(one.clear().add(samples.array(i), samples.offset(i), target), gradient);
                accumulate(fisher, gradient, 1.0 / n);
            }
        }
        return fisher;
    }

    private static void accumulate(double[] fisher, float[] gradient, double weight) {
        for (int j = 0; j < fisher.length; j++) {
            fisher[j] += weight * gradient[j] * gradient[j];
        }
    }
}
