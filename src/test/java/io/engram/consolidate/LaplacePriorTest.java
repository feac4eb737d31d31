package io.engram.consolidate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.engram.learn.Activation;
import io.engram.learn.Batch;
import io.engram.learn.JvmMlp;
import io.engram.learn.MlpSpec;
import io.engram.learn.Nd4jMlp;
import io.engram.learn.Network;
import io.engram.learn.Prior;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The K-FAC and EWC penalties: formulas against brute force, and the network's steps against them. */
class LaplacePriorTest {

    private static final MlpSpec SPEC = new MlpSpec(5, List.of(4), 3, Activation.TANH);

    @Test
    void traceForm_equalsTheExplicitKroneckerQuadratic() {
        SplittableRandom random = new SplittableRandom(1);
        int m = 3;
        int n = 4;
        double[] a = KroneckerMath.randomSymmetricPsd(n, random);
        double[] g = KroneckerMath.randomSymmetricPsd(m, random);
        double[] w = new double[m * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextGaussian();
        }
        double explicit = KroneckerMath.quadratic(KroneckerMath.vec(w, m, n), KroneckerMath.kronecker(a, n, g, m));
        assertThat(KroneckerMath.traceForm(w, m, n, a, g)).isCloseTo(explicit, within(1e-10));
    }

    @Test
    void penaltyGradient_GdWA_matchesFiniteDifferences() {
        SplittableRandom random = new SplittableRandom(2);
        int m = 3;
        int n = 5;
        double[] a = KroneckerMath.randomSymmetricPsd(n, random);
        double[] g = KroneckerMath.randomSymmetricPsd(m, random);
        double[] w = new double[m * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextGaussian();
        }
        double[] gradient = KroneckerMath.multiply(KroneckerMath.multiply(g, m, m, w, n), m, n, a, n);
        for (int i = 0; i < w.length; i++) {
            double keep = w[i];
            w[i] = keep + 1e-6;
            double up = 0.5 * KroneckerMath.traceForm(w, m, n, a, g);
            w[i] = keep - 1e-6;
            double down = 0.5 * KroneckerMath.traceForm(w, m, n, a, g);
            w[i] = keep;
            assertThat((up - down) / 2e-6).isCloseTo(gradient[i], within(1e-6));
        }
    }

    private static KroneckerFactors randomFactors(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] sizes = SPEC.sizes();
        double[][] a = new double[SPEC.layers()][];
        double[][] g = new double[SPEC.layers()][];
        for (int l = 0; l < SPEC.layers(); l++) {
            a[l] = KroneckerMath.randomSymmetricPsd(sizes[l] + 1, random);
            g[l] = KroneckerMath.randomSymmetricPsd(sizes[l + 1], random);
        }
        return new KroneckerFactors(sizes, a, g, 10);
    }

    @Test
    void piRule_sumIsTheDefinitionAndItsCrossTermsAreSmallest() {
        KroneckerFactors f1 = randomFactors(3);
        KroneckerFactors f2 = randomFactors(4);
        KroneckerLaplace laplace = new KroneckerLaplace(1, 0);
        laplace.add(f1);
        laplace.add(f2);
        int l = 0;
        int n = SPEC.sizes()[0] + 1;
        int m = SPEC.sizes()[1];
        double pi = Math.sqrt(KroneckerLaplace.trace(f1.a()[l]) * KroneckerLaplace.trace(f2.g()[l])
                / (KroneckerLaplace.trace(f2.a()[l]) * KroneckerLaplace.trace(f1.g()[l])));
        for (int i = 0; i < n * n; i++) {
            assertThat(laplace.a(l)[i]).isCloseTo(f1.a()[l][i] + pi * f2.a()[l][i], within(1e-12));
        }
        for (int i = 0; i < m * m; i++) {
            assertThat(laplace.g(l)[i]).isCloseTo(f1.g()[l][i] + f2.g()[l][i] / pi, within(1e-12));
        }
        // Â ⊗ Ĝ = A1⊗G1 + A2⊗G2 + (1/π) A1⊗G2 + π A2⊗G1, explicitly
        double[] product = KroneckerMath.kronecker(laplace.a(l), n, laplace.g(l), m);
        double[] k11 = KroneckerMath.kronecker(f1.a()[l], n, f1.g()[l], m);
        double[] k22 = KroneckerMath.kronecker(f2.a()[l], n, f2.g()[l], m);
        double[] k12 = KroneckerMath.kronecker(f1.a()[l], n, f2.g()[l], m);
        double[] k21 = KroneckerMath.kronecker(f2.a()[l], n, f1.g()[l], m);
        for (int i = 0; i < product.length; i++) {
            assertThat(product[i]).isCloseTo(k11[i] + k22[i] + k12[i] / pi + pi * k21[i], within(1e-9));
        }
        double cross = crossTrace(f1, f2, pi);
        assertThat(cross).isLessThan(crossTrace(f1, f2, pi * 1.1)).isLessThan(crossTrace(f1, f2, pi / 1.1));
    }

    private static double crossTrace(KroneckerFactors f1, KroneckerFactors f2, double pi) {
        return KroneckerLaplace.trace(f1.a()[0]) * KroneckerLaplace.trace(f2.g()[0]) / pi
                + pi * KroneckerLaplace.trace(f2.a()[0]) * KroneckerLaplace.trace(f1.g()[0]);
    }

    private static Batch batch(float[] x, int rows) {
        Batch b = new Batch(rows);
        for (int r = 0; r < rows; r++) {
            b.add(x, r * 5, r % 3);
        }
        return b;
    }

    private static float[] inputs(int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[rows * 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        return x;
    }

    private static float[] params(Network n) {
        float[] p = new float[SPEC.parameterCount()];
        n.parameters(p);
        return p;
    }

    /**
     * The anchored (rotated) step equals, by brute force with the damped factors, the data step
     * then the penalty's: ΔW̄₁ = (ΔW̄₀ − η D) − η λ G (ΔW̄₀ − η D) A (no clipping at this λ).
     */
    @Test
    void kroneckerStep_equalsTheDataStepThenThePenaltyStepByBruteForce() {
        float lambda = 0.7f;
        KroneckerLaplace laplace = new KroneckerLaplace(lambda, 0.01);
        laplace.add(randomFactors(5));
        Prior.Kronecker prior = laplace.prior();
        JvmMlp net = new JvmMlp(SPEC, 4, 21L);
        float[] anchor = params(net);
        net.setPrior(prior);
        float[] x = inputs(4, 6);
        net.step(batch(x, 4), 0.05f); // move away from the anchor
        float[] theta0 = params(net);

        JvmMlp plain = new JvmMlp(SPEC, 4, theta0);
        float[] data = new float[theta0.length];
        plain.gradient(batch(x, 3), data);
        net.step(batch(x, 3), 0.01f);
        float[] theta1 = params(net);

        int[] sizes = SPEC.sizes();
        double[] expected = new double[theta0.length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = theta0[i] - 0.01 * data[i];
        }
        for (int l = 0; l < SPEC.layers(); l++) {
            int in1 = sizes[l] + 1;
            int out = sizes[l + 1];
            Prior.Layer layer = prior.layers()[l];
            double[] a = KroneckerMath.reconstruct(layer.qA(), layer.sA(), in1);
            double[] g = KroneckerMath.reconstruct(layer.qG(), layer.sG(), out);
            double[] dw = new double[out * in1];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < sizes[l]; i++) {
                    int at = SPEC.weightOffset(l) + o * sizes[l] + i;
                    dw[o * in1 + i] = theta0[at] - 0.01 * data[at] - anchor[at];
                }
                int at = SPEC.biasOffset(l) + o;
                dw[o * in1 + sizes[l]] = theta0[at] - 0.01 * data[at] - anchor[at];
            }
            double[] penalty = KroneckerMath.multiply(KroneckerMath.multiply(g, out, out, dw, in1), out, in1, a, in1);
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < sizes[l]; i++) {
                    expected[SPEC.weightOffset(l) + o * sizes[l] + i] -= 0.01 * lambda * penalty[o * in1 + i];
                }
                expected[SPEC.biasOffset(l) + o] -= 0.01 * lambda * penalty[o * in1 + sizes[l]];
            }
        }
        for (int i = 0; i < theta1.length; i++) {
            assertThat((double) theta1[i]).as("θ[%d]", i).isCloseTo(expected[i], within(2e-5));
        }
    }

    @Test
    void lambdaZero_changesNothing() {
        KroneckerLaplace laplace = new KroneckerLaplace(0, 0.01);
        laplace.add(randomFactors(6));
        JvmMlp anchored = new JvmMlp(SPEC, 4, 22L);
        JvmMlp plain = new JvmMlp(SPEC, 4, 22L);
        anchored.setPrior(laplace.prior());
        float[] x = inputs(4, 7);
        for (int s = 0; s < 20; s++) {
            anchored.step(batch(x, 1 + s % 4), 0.1f);
            plain.step(batch(x, 1 + s % 4), 0.1f);
        }
        float[] a = params(anchored);
        float[] p = params(plain);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).isCloseTo(p[i], within(1e-5f));
        }
    }

    @Test
    void hugeLambda_keepsTheWeightsAtTheAnchorAndFinite() {
        KroneckerLaplace laplace = new KroneckerLaplace(1e12, 0.01);
        laplace.add(randomFactors(7));
        JvmMlp net = new JvmMlp(SPEC, 4, 23L);
        float[] anchor = params(net);
        net.setPrior(laplace.prior());
        float[] x = inputs(4, 8);
        for (int s = 0; s < 50; s++) {
            net.step(batch(x, 4), 0.5f);
        }
        float[] after = params(net);
        for (int i = 0; i < after.length; i++) {
            assertThat(after[i]).isFinite().isCloseTo(anchor[i], within(1e-4f));
        }
    }

    @Test
    void diagonalStep_isTheDataStepThenTheExactDecay_andHugeCurvaturePins() {
        JvmMlp net = new JvmMlp(SPEC, 4, 24L);
        float[] anchor = params(net);
        float[] curvature = new float[anchor.length];
        for (int i = 0; i < curvature.length; i++) {
            curvature[i] = 0.5f + (i % 7);
        }
        net.setPrior(new Prior.Diagonal(anchor, curvature));
        float[] x = inputs(4, 9);
        net.step(batch(x, 4), 0.05f);
        float[] theta0 = params(net);
        float[] data = new float[theta0.length];
        new JvmMlp(SPEC, 4, theta0).gradient(batch(x, 2), data);
        net.step(batch(x, 2), 0.01f);
        float[] theta1 = params(net);
        for (int i = 0; i < theta1.length; i++) {
            double afterData = theta0[i] - 0.01 * data[i];
            double expected = anchor[i] + (afterData - anchor[i]) * (1 - 0.01 * curvature[i]);
            assertThat((double) theta1[i]).isCloseTo(expected, within(1e-6));
            // first order in η: SGD on the loss plus the penalty
            double sgd = theta0[i] - 0.01 * (data[i] + curvature[i] * (theta0[i] - anchor[i]));
            assertThat((double) theta1[i]).isCloseTo(sgd, within(1e-4 * (1 + Math.abs(data[i]) * curvature[i])));
        }
        float[] huge = new float[anchor.length];
        java.util.Arrays.fill(huge, 1e20f);
        JvmMlp pinned = new JvmMlp(SPEC, 4, 25L);
        float[] pinAnchor = params(pinned);
        pinned.setPrior(new Prior.Diagonal(pinAnchor, huge));
        for (int s = 0; s < 30; s++) {
            pinned.step(batch(x, 4), 1f);
        }
        float[] after = params(pinned);
        for (int i = 0; i < after.length; i++) {
            assertThat(after[i]).isFinite().isCloseTo(pinAnchor[i], within(1e-6f));
        }
    }

    @Test
    void nd4jNetwork_appliesBothPriorsLikeTheJvmKernel() {
        KroneckerLaplace laplace = new KroneckerLaplace(2.0, 0.05);
        laplace.add(randomFactors(8));
        Prior.Kronecker kron = laplace.prior();
        JvmMlp jvm = new JvmMlp(SPEC, 4, 26L);
        Nd4jMlp nd4j = new Nd4jMlp(SPEC, 4, 26L);
        jvm.setPrior(kron);
        nd4j.setPrior(kron);
        float[] x = inputs(4, 10);
        for (int s = 0; s < 10; s++) {
            jvm.step(batch(x, 1 + s % 4), 0.1f);
            nd4j.step(batch(x, 1 + s % 4), 0.1f);
        }
        float[] a = params(jvm);
        float[] b = params(nd4j);
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).as("K-FAC θ[%d]", i).isCloseTo(a[i], within(1e-4f));
        }
        float[] curvature = new float[a.length];
        java.util.Arrays.fill(curvature, 3f);
        jvm.setPrior(new Prior.Diagonal(a.clone(), curvature));
        nd4j.setPrior(new Prior.Diagonal(a.clone(), curvature));
        for (int s = 0; s < 10; s++) {
            jvm.step(batch(x, 4), 0.1f);
            nd4j.step(batch(x, 4), 0.1f);
        }
        a = params(jvm);
        b = params(nd4j);
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).as("EWC θ[%d]", i).isCloseTo(a[i], within(1e-4f));
        }
    }

    @Test
    void setParameters_onAnAnchoredNetwork_roundTrips() {
        KroneckerLaplace laplace = new KroneckerLaplace(1.0, 0.01);
        laplace.add(randomFactors(9));
        JvmMlp net = new JvmMlp(SPEC, 4, 27L);
        net.setPrior(laplace.prior());
        float[] target = JvmMlp.initialParameters(SPEC, 99L);
        net.setParameters(target);
        float[] back = params(net);
        for (int i = 0; i < back.length; i++) {
            assertThat(back[i]).isCloseTo(target[i], within(1e-5f));
        }
    }
}
