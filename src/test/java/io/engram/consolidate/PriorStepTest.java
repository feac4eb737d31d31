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

/**
 * The prior's step behind the networks' hook: NCL's preconditioned step against a dense brute-force
 * computation with explicit Kronecker products, its fixed point, and both networks giving the same
 * parameters under every prior.
 */
class PriorStepTest {

    private static final MlpSpec SPEC = new MlpSpec(5, List.of(4), 3, Activation.TANH);

    private static KroneckerLaplace laplace(double lambda, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] sizes = SPEC.sizes();
        double[][] a = new double[SPEC.layers()][];
        double[][] g = new double[SPEC.layers()][];
        for (int l = 0; l < SPEC.layers(); l++) {
            a[l] = KroneckerMath.randomSymmetricPsd(sizes[l] + 1, random);
            g[l] = KroneckerMath.randomSymmetricPsd(sizes[l + 1], random);
        }
        KroneckerLaplace laplace = new KroneckerLaplace(lambda, 0);
        laplace.add(new KroneckerFactors(sizes, a, g, 10));
        return laplace;
    }

    private static Prior.Natural natural(double lambda, float damping, long seed) {
        Prior.Kronecker k = laplace(lambda, seed).prior();
        return new Prior.Natural(k.lambda(), damping, k.layers());
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

    /** ΔW̄ = W̄ − W̄* of layer l (d_out × (d_in+1), row-major) from flat parameters, in double. */
    private static double[] deviation(float[] theta, float[] anchor, int l) {
        int[] sizes = SPEC.sizes();
        int in1 = sizes[l] + 1;
        double[] dw = new double[sizes[l + 1] * in1];
        for (int o = 0; o < sizes[l + 1]; o++) {
            for (int i = 0; i < sizes[l]; i++) {
                int at = SPEC.weightOffset(l) + o * sizes[l] + i;
                dw[o * in1 + i] = theta[at] - (anchor == null ? 0 : anchor[at]);
            }
            int at = SPEC.biasOffset(l) + o;
            dw[o * in1 + sizes[l]] = theta[at] - (anchor == null ? 0 : anchor[at]);
        }
        return dw;
    }

    /**
     * One NCL step, θ₁ = θ₀ − η δ (λ Λ + δ I)⁻¹ (∇CE(θ₀) + λ Λ (θ₀ − θ*)) with Λ = A ⊗ G per layer,
     * equals a dense solve with the explicit Kronecker product, on both networks. λ Λ's eigenvalues
     * run from far below δ to far above, so the preconditioner both passes and stops directions.
     */
    @Test
    void nclStep_isThePreconditionedStepByBruteForce() {
        float lambda = 20f;
        float damping = 0.3f;
        float eta = 0.05f;
        Prior.Natural prior = natural(lambda, damping, 5);
        float[] x = inputs(4, 6);
        for (boolean nd4j : new boolean[] {false, true}) {
            Network net = nd4j ? new Nd4jMlp(SPEC, 4, 21L) : new JvmMlp(SPEC, 4, 21L);
            float[] anchor = params(net);
            net.setPrior(prior);
            net.step(batch(x, 4), 0.5f); // away from the anchor
            float[] theta0 = params(net);
            float[] data = new float[theta0.length];
            new JvmMlp(SPEC, 4, theta0).gradient(batch(x, 3), data);
            net.step(batch(x, 3), eta);
            float[] theta1 = params(net);

            int[] sizes = SPEC.sizes();
            double smallest = Double.MAX_VALUE;
            double largest = 0;
            for (int l = 0; l < SPEC.layers(); l++) {
                int in1 = sizes[l] + 1;
                int out = sizes[l + 1];
                int size = out * in1;
                Prior.Layer layer = prior.layers()[l];
                double[] a = KroneckerMath.reconstruct(layer.qA(), layer.sA(), in1);
                double[] g = KroneckerMath.reconstruct(layer.qG(), layer.sG(), out);
                double[] precision = KroneckerMath.kronecker(a, in1, g, out); // on vec(ΔW̄), columns stacked
                for (float sa : layer.sA()) {
                    for (float sg : layer.sG()) {
                        smallest = Math.min(smallest, lambda * sa * sg);
                        largest = Math.max(largest, lambda * sa * sg);
                    }
                }
                double[] v0 = KroneckerMath.vec(deviation(theta0, anchor, l), out, in1);
                double[] d = KroneckerMath.vec(deviation(data, null, l), out, in1);
                double[] rhs = new double[size];
                double[] system = new double[size * size];
                for (int i = 0; i < size; i++) {
                    double pull = 0;
                    for (int j = 0; j < size; j++) {
                        pull += lambda * precision[i * size + j] * v0[j];
                        system[i * size + j] = lambda * precision[i * size + j] + (i == j ? damping : 0);
                    }
                    rhs[i] = d[i] + pull;
                }
                double[] direction = KroneckerMath.solve(system, rhs, size);
                double[] v1 = KroneckerMath.vec(deviation(theta1, anchor, l), out, in1);
                for (int i = 0; i < size; i++) {
                    assertThat(v1[i]).as("%s layer %d vec(ΔW̄)[%d]", nd4j ? "nd4j" : "jvm", l, i)
                            .isCloseTo(v0[i] - eta * damping * direction[i], within(2e-5));
                }
            }
            assertThat(smallest).as("some directions barely constrained").isLessThan(damping);
            assertThat(largest).as("some directions stiff").isGreaterThan(10 * damping);
        }
    }

    /** NCL changes the journey, not the destination: its fixed point is the minimiser of loss + penalty. */
    @Test
    void nclDescent_convergesToTheMinimiserOfLossPlusPenalty() {
        float lambda = 30f;
        Prior.Natural prior = natural(lambda, 0.5f, 32);
        float[] x = inputs(4, 30);
        JvmMlp net = new JvmMlp(SPEC, 4, 31L);
        float[] anchor = params(net);
        net.setPrior(prior);
        for (int s = 0; s < 40_000; s++) {
            net.step(batch(x, 4), 0.5f);
        }
        float[] theta = params(net);
        float[] data = new float[theta.length];
        new JvmMlp(SPEC, 4, theta).gradient(batch(x, 4), data);
        int[] sizes = SPEC.sizes();
        double dataNorm = 0;
        for (int l = 0; l < SPEC.layers(); l++) {
            int in1 = sizes[l] + 1;
            int out = sizes[l + 1];
            Prior.Layer layer = prior.layers()[l];
            double[] a = KroneckerMath.reconstruct(layer.qA(), layer.sA(), in1);
            double[] g = KroneckerMath.reconstruct(layer.qG(), layer.sG(), out);
            double[] penalty = KroneckerMath.multiply(KroneckerMath.multiply(g, out, out, deviation(theta, anchor, l), in1), out, in1, a, in1);
            double[] d = deviation(data, null, l);
            for (int i = 0; i < d.length; i++) {
                dataNorm += d[i] * d[i];
                assertThat(d[i] + lambda * penalty[i]).as("layer %d ∂(loss + penalty)/∂W̄[%d]", l, i).isCloseTo(0.0, within(2e-4));
            }
        }
        assertThat(Math.sqrt(dataNorm)).as("the minimiser is away from the data's own").isGreaterThan(1e-2);
    }

    /**
     * JvmMlp and Nd4jMlp call the same step through the hook: after steps of several batch sizes,
     * MER's snapshot interpolations and (deferred) proximal steps, they hold the same parameters
     * under every prior.
     */
    @Test
    void jvmAndNd4j_giveTheSameParameters_underEveryPrior() {
        float[] x = inputs(4, 50);
        float[] curvature = new float[SPEC.parameterCount()];
        for (int i = 0; i < curvature.length; i++) {
            curvature[i] = 2f + (i % 7) * 10f;
        }
        for (String kind : new String[] {"ewc", "kfac", "ncl"}) {
            for (boolean deferred : new boolean[] {false, true}) {
                Network[] nets = {new JvmMlp(SPEC, 4, 51L), new Nd4jMlp(SPEC, 4, 51L)};
                for (Network net : nets) {
                    net.step(batch(x, 4), 0.3f); // the anchor is not the initialisation
                    net.setPriorDeferred(deferred);
                    Prior prior = switch (kind) {
                        case "ewc" -> new Prior.Diagonal(params(net), curvature);
                        case "kfac" -> laplace(15, 52).prior();
                        default -> natural(15, 0.2f, 52);
                    };
                    net.setPrior(prior);
                    for (int s = 0; s < 12; s++) {
                        net.saveSnapshot(0);
                        net.step(batch(x, 1 + s % 4), 0.2f);
                        net.step(batch(x, 1 + (s + 1) % 4), 0.2f);
                        net.interpolateFromSnapshot(0, 0.5f);
                        net.proximalStep(0.2f);
                    }
                    assertThat(net.isFinite()).isTrue();
                }
                float[] jvm = params(nets[0]);
                float[] nd4j = params(nets[1]);
                float[] initial = JvmMlp.initialParameters(SPEC, 51L);
                double moved = 0;
                for (int i = 0; i < jvm.length; i++) {
                    assertThat(nd4j[i]).as("%s%s θ[%d]", kind, deferred ? " deferred" : "", i).isCloseTo(jvm[i], within(1e-4f));
                    moved += Math.abs(jvm[i] - initial[i]);
                }
                assertThat(moved).as("%s: the steps moved the parameters", kind).isGreaterThan(0.1);
            }
        }
    }
}
