package io.engram.consolidate;

import io.engram.config.LabelMode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.engram.network.Activation;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import io.engram.network.ReferenceMlp;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KroneckerFactorsTest {

    static final MlpSpec SPEC = new MlpSpec(6, List.of(5, 4), 3, Activation.TANH);

    static Samples samples(float[] x, int[] labels, int inputSize) {
        return new Samples() {
            @Override
            public int count() {
                return labels.length;
            }

            @Override
            public float[] array(int i) {
                return x;
            }

            @Override
            public int offset(int i) {
                return i * inputSize;
            }

            @Override
            public int label(int i) {
                return labels[i];
            }
        };
    }

    static float[] inputs(int n, int d, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        return x;
    }

    /**
     * Brute force, per example: ā from the double reference forward pass; g by central differences
     * of −log p(y|x) in each pre-activation; then the mean outer products.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} kernel")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"jvm", "nd4j"})
    void empiricalFactors_matchPerExampleBruteForce(String kernel) {
        int n = 137; // one full chunk of 100 and a partial one
        float[] x = inputs(n, 6, 3);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (i * 5 + 1) % 3;
        }
        float[] params = JvmMlp.initialParameters(SPEC, 11);
        // on the ND4J kernel, forward and backward passes run on its device (the learner's backend)
        KroneckerFactors factors = kernel.equals("jvm")
                ? KroneckerFactors.estimate(SPEC, params, samples(x, labels, 6), LabelMode.EMPIRICAL, new SplittableRandom(1))
                : KroneckerFactors.estimate(new io.engram.network.Nd4jMlp(SPEC, KroneckerFactors.CHUNK, params),
                        samples(x, labels, 6), LabelMode.EMPIRICAL, new SplittableRandom(1));

        double[] p = new double[params.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = params[i];
        }
        int[] sizes = SPEC.sizes();
        for (int l = 0; l < SPEC.layers(); l++) {
            int dA = sizes[l] + 1;
            int dG = sizes[l + 1];
            double[] a = new double[dA * dA];
            double[] g = new double[dG * dG];
            for (int e = 0; e < n; e++) {
                double[] in = ReferenceMlp.layerInputs(SPEC, p, x, e * 6)[l];
                double[] bar = java.util.Arrays.copyOf(in, dA);
                bar[dA - 1] = 1;
                double[] grad = new double[dG];
                for (int o = 0; o < dG; o++) {
                    double eps = 1e-5;
                    grad[o] = (ReferenceMlp.lossWithShift(SPEC, p, x, e * 6, labels[e], l, o, eps)
                            - ReferenceMlp.lossWithShift(SPEC, p, x, e * 6, labels[e], l, o, -eps)) / (2 * eps);
                }
                for (int i = 0; i < dA; i++) {
                    for (int j = 0; j < dA; j++) {
                        a[i * dA + j] += bar[i] * bar[j] / n;
                    }
                }
                for (int i = 0; i < dG; i++) {
                    for (int j = 0; j < dG; j++) {
                        g[i * dG + j] += grad[i] * grad[j] / n;
                    }
                }
            }
            for (int i = 0; i < a.length; i++) {
                assertThat(factors.a()[l][i]).as("A_%d[%d]", l, i).isCloseTo(a[i], within(1e-5));
            }
            for (int i = 0; i < g.length; i++) {
                assertThat(factors.g()[l][i]).as("G_%d[%d]", l, i).isCloseTo(g[i], within(1e-5));
            }
        }
    }

    @Test
    void expectedFactors_equalTheProbabilityWeightedSumOverClasses() {
        int n = 40;
        float[] x = inputs(n, 6, 4);
        float[] params = JvmMlp.initialParameters(SPEC, 12);
        KroneckerFactors expected = KroneckerFactors.estimate(SPEC, params, samples(x, new int[n], 6), LabelMode.EXPECTED,
                new SplittableRandom(1));
        // Σ_c p_c G(label c): the empirical factor of each example relabelled, weighted by its probability
        double[] p = new double[params.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = params[i];
        }
        int layer = SPEC.layers() - 1;
        double[] g = new double[9];
        for (int e = 0; e < n; e++) {
            double[] prob = softmaxOf(p, x, e);
            for (int c = 0; c < 3; c++) {
                double[] grad = new double[3];
                for (int o = 0; o < 3; o++) {
                    grad[o] = prob[o] - (o == c ? 1 : 0);
                }
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        g[i * 3 + j] += prob[c] * grad[i] * grad[j] / n;
                    }
                }
            }
        }
        for (int i = 0; i < 9; i++) {
            assertThat(expected.g()[layer][i]).isCloseTo(g[i], within(1e-6));
        }
    }

    private static double[] softmaxOf(double[] p, float[] x, int e) {
        double[] in = ReferenceMlp.layerInputs(SPEC, p, x, e * 6)[SPEC.layers() - 1];
        // logits of the last layer from its input, then softmax: the reference's probabilities
        double[] logits = new double[3];
        int w = SPEC.weightOffset(SPEC.layers() - 1);
        int b = SPEC.biasOffset(SPEC.layers() - 1);
        double max = Double.NEGATIVE_INFINITY;
        for (int o = 0; o < 3; o++) {
            double s = p[b + o];
            for (int i = 0; i < in.length; i++) {
                s += p[w + i + o * in.length] * in[i];
            }
            logits[o] = s;
            max = Math.max(max, s);
        }
        double z = 0;
        for (int o = 0; o < 3; o++) {
            logits[o] = Math.exp(logits[o] - max);
            z += logits[o];
        }
        for (int o = 0; o < 3; o++) {
            logits[o] /= z;
        }
        return logits;
    }

    @Test
    void factors_areSymmetricAndPositiveSemiDefinite() {
        int n = 64;
        float[] x = inputs(n, 6, 5);
        KroneckerFactors factors = KroneckerFactors.estimate(SPEC, JvmMlp.initialParameters(SPEC, 13),
                samples(x, new int[n], 6), LabelMode.SAMPLED, new SplittableRandom(2));
        for (int l = 0; l < factors.layers(); l++) {
            for (double[] m : new double[][] {factors.a()[l], factors.g()[l]}) {
                int d = (int) Math.round(Math.sqrt(m.length));
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        assertThat(m[i * d + j]).isCloseTo(m[j * d + i], within(1e-9));
                    }
                }
                for (double eigenvalue : SymmetricEigen.decompose(m, d).values()) {
                    assertThat(eigenvalue).isGreaterThan(-1e-7);
                }
            }
        }
    }

    @Test
    void eigendecomposition_satisfiesAvEqualsLambdaV() {
        int n = 9;
        double[] a = KroneckerMath.randomSymmetricPsd(n, new SplittableRandom(3));
        SymmetricEigen.Result r = SymmetricEigen.decompose(a, n);
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += a[i * n + j] * r.vectors()[k * n + j];
                }
                assertThat(av).isCloseTo(r.values()[k] * r.vectors()[k * n + i], within(1e-9));
            }
        }
    }
}
