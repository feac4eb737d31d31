package io.engram.consolidate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.engram.network.Activation;
import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import io.engram.network.Nd4jMlp;
import io.engram.network.Network;
import io.engram.network.Prior;
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

    /** tr(Â ⊗ Ĝ) = tr Â · tr Ĝ of layer l of the prior, against tr(A ⊗ G) of one task. */
    private static double traceRatio(KroneckerLaplace laplace, KroneckerFactors one, int l) {
        return KroneckerLaplace.trace(laplace.a(l)) * KroneckerLaplace.trace(laplace.g(l))
                / (KroneckerLaplace.trace(one.a()[l]) * KroneckerLaplace.trace(one.g()[l]));
    }

    /** T identical tasks: the prior's precision is T·A⊗G (the π rule's pair gave T²: 2, 3.99, ... at T = 2, 4). */
    @Test
    void priorOfTIdenticalTasks_isTTimesOneTasksPrecision() {
        KroneckerFactors task = randomFactors(3);
        KroneckerLaplace laplace = new KroneckerLaplace(1, 0);
        int n = SPEC.sizes()[0] + 1;
        int m = SPEC.sizes()[1];
        double[] one = KroneckerMath.kronecker(task.a()[0], n, task.g()[0], m);
        for (int t = 1; t <= 10; t++) {
            laplace.add(task);
            for (int l = 0; l < SPEC.layers(); l++) {
                assertThat(traceRatio(laplace, task, l)).as("trace ratio after %d tasks, layer %d", t, l).isCloseTo(t, within(1e-9 * t));
            }
            double[] prior = KroneckerMath.kronecker(laplace.a(0), n, laplace.g(0), m);
            for (int i = 0; i < prior.length; i++) {
                assertThat(prior[i]).isCloseTo(t * one[i], within(1e-9 * (1 + Math.abs(t * one[i]))));
            }
        }
    }

    /**
     * Different tasks: the pair's trace is the sum's, Σ_t tr A_t tr G_t, and with equal G_t the pair
     * is the sum of the tasks' Kronecker products exactly, against explicit products.
     */
    @Test
    void priorAcrossTasks_keepsTheSumsTrace_andIsExactWhenTheGsAreEqual() {
        KroneckerFactors[] tasks = {randomFactors(11), randomFactors(12), randomFactors(13)};
        KroneckerLaplace laplace = new KroneckerLaplace(1, 0);
        int n = SPEC.sizes()[0] + 1;
        int m = SPEC.sizes()[1];
        double[] sum = new double[n * m * n * m];
        for (KroneckerFactors t : tasks) {
            laplace.add(t);
            double[] k = KroneckerMath.kronecker(t.a()[0], n, t.g()[0], m);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += k[i];
            }
            double pairTrace = KroneckerLaplace.trace(KroneckerMath.kronecker(laplace.a(0), n, laplace.g(0), m));
            assertThat(pairTrace).isCloseTo(KroneckerLaplace.trace(sum), within(1e-9 * KroneckerLaplace.trace(sum)));
        }
        // equal G, different A: Σ_t A_t ⊗ G = (Σ_t A_t) ⊗ G
        double[] g = tasks[0].g()[0];
        KroneckerLaplace same = new KroneckerLaplace(1, 0);
        double[] exact = new double[n * m * n * m];
        for (KroneckerFactors t : tasks) {
            KroneckerFactors withG = new KroneckerFactors(t.sizes(), t.a(), new double[][] {g, t.g()[1]}, t.samples());
            same.add(withG);
            double[] k = KroneckerMath.kronecker(t.a()[0], n, g, m);
            for (int i = 0; i < exact.length; i++) {
                exact[i] += k[i];
            }
        }
        double[] pair = KroneckerMath.kronecker(same.a(0), n, same.g(0), m);
        for (int i = 0; i < pair.length; i++) {
            assertThat(pair[i]).isCloseTo(exact[i], within(1e-9 * (1 + Math.abs(exact[i]))));
        }
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
     * The anchored (rotated) step equals, by brute force with the damped factors and the explicit
     * Kronecker product, the data step then the penalty's proximal step: vec ΔW̄₁ solves
     * (I + η λ A⊗G) vec ΔW̄₁ = vec(ΔW̄₀ − η D). λ is large enough here for η λ s to pass 1 in some
     * directions, where the old clipped step froze them.
     */
    @Test
    void kroneckerStep_isTheDataStepThenTheProximalPenaltyStepByBruteForce() {
        float lambda = 40f;
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
            // vec() stacks columns of ΔW̄ (out × in1); the penalty's Hessian on it is A ⊗ G
            double[] system = KroneckerMath.kronecker(a, in1, g, out);
            int size = out * in1;
            for (int i = 0; i < system.length; i++) {
                system[i] *= 0.01 * lambda;
            }
            for (int i = 0; i < size; i++) {
                system[i * size + i] += 1;
            }
            double[] solved = KroneckerMath.solve(system, KroneckerMath.vec(dw, out, in1), size);
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < sizes[l]; i++) {
                    int at = SPEC.weightOffset(l) + o * sizes[l] + i;
                    expected[at] = anchor[at] + solved[i * out + o];
                }
                int at = SPEC.biasOffset(l) + o;
                expected[at] = anchor[at] + solved[sizes[l] * out + o];
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
    void diagonalStep_isTheDataStepThenTheProximalStep_andHugeCurvaturePins() {
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
            double expected = anchor[i] + (afterData - anchor[i]) / (1 + 0.01 * curvature[i]);
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

    /**
     * Gradient descent on a fixed batch with the prior converges to a minimiser of loss + penalty:
     * there the data gradient is −λ Λ (θ − θ*) exactly (brute force: G ΔW̄ A from the damped
     * factors, or c ⊙ Δθ). The step size puts η λ s well past 1 in many directions; the old
     * clipped step froze those at the anchor (fixed point g = −λ s v / (1 − η λ s)) and fails this.
     */
    @Test
    void descentWithEitherPrior_convergesToTheMinimiserOfLossPlusPenalty() {
        float[] x = inputs(4, 30);
        for (boolean kronecker : new boolean[] {true, false}) {
            JvmMlp net = new JvmMlp(SPEC, 4, 31L);
            float[] anchor = params(net);
            float lambda = 30f;
            Prior.Kronecker kfac = null;
            float[] curvature = new float[anchor.length];
            if (kronecker) {
                KroneckerLaplace laplace = new KroneckerLaplace(lambda, 0.01);
                laplace.add(randomFactors(32));
                kfac = laplace.prior();
                net.setPrior(kfac);
            } else {
                for (int i = 0; i < curvature.length; i++) {
                    curvature[i] = lambda * (0.05f + (i % 9) * 0.5f);
                }
                net.setPrior(new Prior.Diagonal(anchor, curvature));
            }
            for (int s = 0; s < 20_000; s++) {
                net.step(batch(x, 4), 0.3f);
            }
            float[] theta = params(net);
            float[] data = new float[theta.length];
            new JvmMlp(SPEC, 4, theta).gradient(batch(x, 4), data);
            double[] penalty = kronecker ? kroneckerPenaltyGradient(kfac, theta, anchor) : new double[theta.length];
            double dataNorm = 0;
            for (int i = 0; i < theta.length; i++) {
                if (!kronecker) {
                    penalty[i] = curvature[i] * (theta[i] - anchor[i]);
                }
                dataNorm += data[i] * (double) data[i];
            }
            assertThat(Math.sqrt(dataNorm)).as("the minimiser is away from the data's own (%s)", kronecker ? "kfac" : "ewc")
                    .isGreaterThan(1e-2);
            for (int i = 0; i < theta.length; i++) {
                assertThat(data[i] + penalty[i]).as("%s: ∂(loss + penalty)/∂θ[%d]", kronecker ? "kfac" : "ewc", i)
                        .isCloseTo(0.0, within(2e-4));
            }
        }
    }

    /** λ G ΔW̄ A per layer, from the prior's damped eigendecompositions, in the flat layout. */
    private static double[] kroneckerPenaltyGradient(Prior.Kronecker prior, float[] theta, float[] anchor) {
        int[] sizes = SPEC.sizes();
        double[] out = new double[theta.length];
        for (int l = 0; l < SPEC.layers(); l++) {
            int in1 = sizes[l] + 1;
            int dOut = sizes[l + 1];
            Prior.Layer layer = prior.layers()[l];
            double[] a = KroneckerMath.reconstruct(layer.qA(), layer.sA(), in1);
            double[] g = KroneckerMath.reconstruct(layer.qG(), layer.sG(), dOut);
            double[] dw = new double[dOut * in1];
            for (int o = 0; o < dOut; o++) {
                for (int i = 0; i < sizes[l]; i++) {
                    int at = SPEC.weightOffset(l) + o * sizes[l] + i;
                    dw[o * in1 + i] = theta[at] - anchor[at];
                }
                dw[o * in1 + sizes[l]] = theta[SPEC.biasOffset(l) + o] - anchor[SPEC.biasOffset(l) + o];
            }
            double[] p = KroneckerMath.multiply(KroneckerMath.multiply(g, dOut, dOut, dw, in1), dOut, in1, a, in1);
            for (int o = 0; o < dOut; o++) {
                for (int i = 0; i < sizes[l]; i++) {
                    out[SPEC.weightOffset(l) + o * sizes[l] + i] = prior.lambda() * p[o * in1 + i];
                }
                out[SPEC.biasOffset(l) + o] = prior.lambda() * p[o * in1 + sizes[l]];
            }
        }
        return out;
    }

    /**
     * A deferred prior: data steps, then one proximal step of their summed step size. After one data
     * step it equals the step with the prior, for both priors and both networks; several data steps
     * then one proximal step agree between the networks; and the choice is made before a prior.
     */
    @Test
    void deferredPrior_dataStepThenProximalStep_equalsTheStepWithThePrior() {
        KroneckerLaplace laplace = new KroneckerLaplace(40f, 0.01);
        laplace.add(randomFactors(40));
        float[] curvature = new float[SPEC.parameterCount()];
        for (int i = 0; i < curvature.length; i++) {
            curvature[i] = 5f + (i % 5) * 20f;
        }
        float[] x = inputs(4, 41);
        for (boolean kronecker : new boolean[] {true, false}) {
            Network[] deferred = {new JvmMlp(SPEC, 4, 42L), new Nd4jMlp(SPEC, 4, 42L)};
            Network[] each = {new JvmMlp(SPEC, 4, 42L), new Nd4jMlp(SPEC, 4, 42L)};
            for (int n = 0; n < 2; n++) {
                deferred[n].setPriorDeferred(true);
                Prior prior = kronecker ? laplace.prior() : new Prior.Diagonal(params(each[n]), curvature);
                deferred[n].setPrior(prior);
                each[n].setPrior(prior);
                for (Network net : new Network[] {deferred[n], each[n]}) {
                    net.step(batch(x, 4), 0.05f); // away from the anchor
                }
                deferred[n].proximalStep(0.05f);
                float[] a = params(deferred[n]);
                float[] b = params(each[n]);
                for (int i = 0; i < a.length; i++) {
                    assertThat(a[i]).as("%s %s θ[%d]", kronecker ? "kfac" : "ewc", n == 0 ? "jvm" : "nd4j", i)
                            .isCloseTo(b[i], within(1e-5f));
                }
            }
            for (int s = 0; s < 5; s++) {
                deferred[0].step(batch(x, 1 + s % 4), 0.1f);
                deferred[1].step(batch(x, 1 + s % 4), 0.1f);
            }
            deferred[0].proximalStep(0.5f);
            deferred[1].proximalStep(0.5f);
            float[] jvm = params(deferred[0]);
            float[] nd4j = params(deferred[1]);
            for (int i = 0; i < jvm.length; i++) {
                assertThat(nd4j[i]).as("jvm against nd4j θ[%d]", i).isCloseTo(jvm[i], within(1e-4f));
            }
        }
        JvmMlp late = new JvmMlp(SPEC, 4, 43L);
        late.setPrior(laplace.prior());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> late.setPriorDeferred(true)).isInstanceOf(IllegalStateException.class);
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
