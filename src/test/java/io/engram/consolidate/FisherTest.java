package io.engram.consolidate;

import io.engram.config.LabelMode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.engram.config.ConsolidationMethod;
import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import io.engram.network.Network;
import io.engram.network.Prior;
import io.engram.network.ReferenceMlp;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The diagonal Fisher, the sampled-label Fisher of both consolidations, the EWC consolidators and
 * K-FAC's damping, against brute force: gradients by central differences of the double-precision
 * reference network, plain sums, and an independent damping computation.
 */
class FisherTest {

    private static final MlpSpec SPEC = KroneckerFactorsTest.SPEC;
    private static final int D = 6;

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** ∇θ −log p(y | x) by central differences of the double reference. */
    private static double[] gradient(double[] p, float[] x, int offset, int y) {
        double[] g = new double[p.length];
        double h = 1e-6;
        for (int i = 0; i < p.length; i++) {
            double keep = p[i];
            p[i] = keep + h;
            double up = ReferenceMlp.lossWithShift(SPEC, p, x, offset, y, -1, -1, 0);
            p[i] = keep - h;
            double down = ReferenceMlp.lossWithShift(SPEC, p, x, offset, y, -1, -1, 0);
            p[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    /** F_i = (1/n) Σ_examples Σ_c p_c g_c,i² (expected) or (1/n) Σ g_y,i² (empirical), by brute force. */
    private static double[] bruteForceFisher(float[] params, float[] x, int[] labels, boolean expected) {
        double[] p = toDouble(params);
        double[] f = new double[p.length];
        int n = labels.length;
        for (int e = 0; e < n; e++) {
            double[] probabilities = new double[3];
            for (int c = 0; c < 3; c++) {
                probabilities[c] = Math.exp(-ReferenceMlp.lossWithShift(SPEC, p, x, e * D, c, -1, -1, 0));
            }
            for (int c = 0; c < 3; c++) {
                if (!expected && c != labels[e]) {
                    continue;
                }
                double weight = (expected ? probabilities[c] : 1) / n;
                double[] g = gradient(p, x, e * D, c);
                for (int i = 0; i < f.length; i++) {
                    f[i] += weight * g[i] * g[i];
                }
            }
        }
        return f;
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} kernel")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"jvm", "nd4j"})
    void diagonalFisher_expectedAndEmpirical_matchBruteForce(String kernel) {
        int n = 12;
        float[] x = KroneckerFactorsTest.inputs(n, D, 21);
        int[] labels = new int[n];
        for (int e = 0; e < n; e++) {
            labels[e] = e % 3;
        }
        float[] params = JvmMlp.initialParameters(SPEC, 22);
        for (LabelMode mode : new LabelMode[] {LabelMode.EXPECTED, LabelMode.EMPIRICAL}) {
            Network net = kernel.equals("jvm") ? new JvmMlp(SPEC, 1, params) : new io.engram.network.Nd4jMlp(SPEC, 1, params);
            double[] f = DiagonalFisher.estimate(net, KroneckerFactorsTest.samples(x, labels, D), mode, new SplittableRandom(1));
            double[] brute = bruteForceFisher(params, x, labels, mode == LabelMode.EXPECTED);
            for (int i = 0; i < f.length; i++) {
                assertThat(f[i]).as("%s F[%d]", mode, i).isCloseTo(brute[i], within(1e-6 + 1e-4 * brute[i]));
            }
        }
    }

    /** Pearson's χ² of observed counts against probabilities. */
    private static double chiSquare(int[] counts, double[] probabilities, int draws) {
        double chi = 0;
        for (int c = 0; c < counts.length; c++) {
            double expected = probabilities[c] * draws;
            chi += (counts[c] - expected) * (counts[c] - expected) / expected;
        }
        return chi;
    }

    /**
     * The sampled label follows the model's softmax: χ² over 20,000 draws below the 0.1% critical
     * value for 3 degrees of freedom (16.27); a sampler returning the true label (or the most
     * probable one) is far beyond it.
     */
    @Test
    void sampledLabels_followTheSoftmax() {
        float[] probabilities = {0.5f, 0.3f, 0.15f, 0.05f};
        double[] p = {0.5, 0.3, 0.15, 0.05};
        SplittableRandom random = new SplittableRandom(23);
        int draws = 20_000;
        int[] counts = new int[4];
        for (int i = 0; i < draws; i++) {
            counts[KroneckerFactors.draw(probabilities, 0, 4, random)]++;
        }
        assertThat(chiSquare(counts, p, draws)).isLessThan(16.27);
        assertThat(chiSquare(new int[] {draws, 0, 0, 0}, p, draws)).as("always the true (here most probable) label").isGreaterThan(16.27);
    }

    /** Relative Frobenius distance |a − b| / |b|. */
    private static double distance(double[] a, double[] b) {
        double d = 0;
        double n = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (a[i] - b[i]);
            n += b[i] * b[i];
        }
        return Math.sqrt(d / n);
    }

    /**
     * The default, sampled-label Fisher estimates the true Fisher: over 8,000 examples (8 inputs,
     * each 1,000 times) both the diagonal Fisher and K-FAC's G of every layer are within 6% of the
     * exact expectation over labels, while the stream's labels (the empirical Fisher, what a sampler
     * returning the true label gives) are more than 30% away.
     */
    @Test
    void sampledLabelFisher_convergesToTheExpectedOne_andTheTrueLabelsDoNot() {
        int distinct = 8;
        int copies = 1000;
        float[] base = KroneckerFactorsTest.inputs(distinct, D, 24);
        float[] x = new float[distinct * copies * D];
        int[] labels = new int[distinct * copies];
        for (int e = 0; e < labels.length; e++) {
            System.arraycopy(base, (e % distinct) * D, x, e * D, D);
            labels[e] = (e % distinct) % 3;
        }
        float[] params = JvmMlp.initialParameters(SPEC, 25);
        for (int i = 0; i < params.length; i++) {
            params[i] *= 3f; // a confident model, so that the stream's labels and the model's differ
        }
        Samples samples = KroneckerFactorsTest.samples(x, labels, D);
        double[] sampled = DiagonalFisher.estimate(SPEC, params, samples, LabelMode.SAMPLED, new SplittableRandom(26));
        double[] expected = DiagonalFisher.estimate(SPEC, params, samples, LabelMode.EXPECTED, new SplittableRandom(26));
        double[] empirical = DiagonalFisher.estimate(SPEC, params, samples, LabelMode.EMPIRICAL, new SplittableRandom(26));
        assertThat(distance(sampled, expected)).as("diagonal, sampled labels").isLessThan(0.06);
        assertThat(distance(empirical, expected)).as("diagonal, true labels").isGreaterThan(0.3);
        KroneckerFactors s = KroneckerFactors.estimate(SPEC, params, samples, LabelMode.SAMPLED, new SplittableRandom(27));
        KroneckerFactors e = KroneckerFactors.estimate(SPEC, params, samples, LabelMode.EXPECTED, new SplittableRandom(27));
        KroneckerFactors t = KroneckerFactors.estimate(SPEC, params, samples, LabelMode.EMPIRICAL, new SplittableRandom(27));
        for (int l = 0; l < SPEC.layers(); l++) {
            assertThat(distance(s.g()[l], e.g()[l])).as("G_%d, sampled labels", l).isLessThan(0.06);
            assertThat(distance(t.g()[l], e.g()[l])).as("G_%d, true labels", l).isGreaterThan(0.3);
        }
    }

    /** A network that records the prior it is given. */
    private static final class Recording implements Network {
        final JvmMlp net;
        Prior prior;

        Recording(float[] parameters) {
            net = new JvmMlp(SPEC, 4, parameters);
        }

        @Override
        public MlpSpec spec() {
            return SPEC;
        }

        @Override
        public float step(Batch batch, float learningRate) {
            return net.step(batch, learningRate);
        }

        @Override
        public void setClipNorm(float maxNorm) {
            net.setClipNorm(maxNorm);
        }

        @Override
        public void measure(float[] x, int offset, int label, float[] into, float[] probabilities) {
            net.measure(x, offset, label, into, probabilities);
        }

        @Override
        public float gradient(Batch batch, float[] gradient) {
            return net.gradient(batch, gradient);
        }

        @Override
        public void classify(Batch batch, int[] classes) {
            net.classify(batch, classes);
        }

        @Override
        public void predict(float[] x, int offset, float[] probabilities) {
            net.predict(x, offset, probabilities);
        }

        @Override
        public boolean isFinite() {
            return net.isFinite();
        }

        @Override
        public boolean finiteAtLastCheck() {
            return net.finiteAtLastCheck();
        }

        @Override
        public io.engram.network.Rows rows(int capacity) {
            return net.rows(capacity);
        }

        @Override
        public Network sibling(int maxBatch, float[] parameters) {
            return net.sibling(maxBatch, parameters);
        }

        @Override
        public void forwardRecording(io.engram.network.Batch batch, float[][] layerInputs, float[] probabilities) {
            net.forwardRecording(batch, layerInputs, probabilities);
        }

        @Override
        public void backpropagateErrors(int n, float[] outputErrors, float[][] errors) {
            net.backpropagateErrors(n, outputErrors, errors);
        }

        @Override
        public void parameters(float[] into) {
            net.parameters(into);
        }

        @Override
        public void setParameters(float[] from) {
            net.setParameters(from);
        }

        @Override
        public void saveSnapshot(int slot) {
            net.saveSnapshot(slot);
        }

        @Override
        public void interpolateFromSnapshot(int slot, float rate) {
            net.interpolateFromSnapshot(slot, rate);
        }

        @Override
        public void setPriorDeferred(boolean deferred) {
            net.setPriorDeferred(deferred);
        }

        @Override
        public void proximalStep(float rate) {
            net.proximalStep(rate);
        }

        @Override
        public void setPrior(Prior prior) {
            this.prior = prior;
            net.setPrior(prior);
        }
    }

    /**
     * Two tasks through each EWC consolidator, against brute force: EWC keeps Σ_t F_t and the
     * Fisher-weighted anchor Σ_t F_t θ*_t / Σ_t F_t (the same quadratic as the sum of the tasks'
     * penalties, up to a constant); online EWC keeps γ F_1 + F_2 and the latest anchor.
     */
    @Test
    void ewcAndOnlineEwc_keepTheirPriorsByBruteForce() {
        int n = 10;
        float[] x1 = KroneckerFactorsTest.inputs(n, D, 28);
        float[] x2 = KroneckerFactorsTest.inputs(n, D, 29);
        int[] labels = new int[n];
        for (int e = 0; e < n; e++) {
            labels[e] = (e * 7) % 3;
        }
        float[] theta1 = JvmMlp.initialParameters(SPEC, 30);
        float[] theta2 = JvmMlp.initialParameters(SPEC, 31);
        double lambda = 50;
        double decay = 0.7;
        double[] f1 = bruteForceFisher(theta1, x1, labels, true);
        double[] f2 = bruteForceFisher(theta2, x2, labels, true);
        for (ConsolidationMethod method : new ConsolidationMethod[] {ConsolidationMethod.EWC, ConsolidationMethod.ONLINE_EWC}) {
            Consolidator ewc = Consolidators.create(SPEC, new Consolidators.Settings(method, lambda, 0.001, decay, LabelMode.EXPECTED, n, 1));
            Recording network = new Recording(theta1);
            ewc.consolidate(network, KroneckerFactorsTest.samples(x1, labels, D));
            network.net.setPrior(null);
            network.setParameters(theta2);
            ewc.consolidate(network, KroneckerFactorsTest.samples(x2, labels, D));
            Prior.Diagonal prior = (Prior.Diagonal) network.prior;
            for (int i = 0; i < f1.length; i++) {
                boolean online = method == ConsolidationMethod.ONLINE_EWC;
                double fisher = online ? decay * f1[i] + f2[i] : f1[i] + f2[i];
                double anchor = online ? theta2[i] : (f1[i] * theta1[i] + f2[i] * theta2[i]) / (f1[i] + f2[i]);
                assertThat((double) prior.curvature()[i]).as("%s λF[%d]", method, i)
                        .isCloseTo(lambda * fisher, within(1e-5 + 1e-4 * lambda * fisher));
                assertThat((double) prior.anchor()[i]).as("%s θ*[%d]", method, i).isCloseTo(anchor, within(1e-4));
            }
        }
    }

    /**
     * Factored Tikhonov damping, computed here independently: the prior's damped factors are
     * A + π√δ I and G + (√δ/π) I with π = √((tr A / dim A) / (tr G / dim G)).
     */
    @Test
    void damping_isFactoredTikhonovByAnIndependentComputation() {
        SplittableRandom random = new SplittableRandom(32);
        int[] sizes = SPEC.sizes();
        double[][] a = new double[SPEC.layers()][];
        double[][] g = new double[SPEC.layers()][];
        for (int l = 0; l < SPEC.layers(); l++) {
            a[l] = KroneckerMath.randomSymmetricPsd(sizes[l] + 1, random);
            g[l] = KroneckerMath.randomSymmetricPsd(sizes[l + 1], random);
            for (int i = 0; i < g[l].length; i++) {
                g[l][i] *= 0.01; // traces of different sizes, so π is far from 1
            }
        }
        double delta = 0.04;
        KroneckerLaplace laplace = new KroneckerLaplace(1, delta);
        laplace.add(new KroneckerFactors(sizes, a, g, 10));
        Prior.Kronecker prior = laplace.prior();
        for (int l = 0; l < SPEC.layers(); l++) {
            int dA = sizes[l] + 1;
            int dG = sizes[l + 1];
            double trA = 0;
            double trG = 0;
            for (int i = 0; i < dA; i++) {
                trA += a[l][i * dA + i];
            }
            for (int i = 0; i < dG; i++) {
                trG += g[l][i * dG + i];
            }
            double pi = Math.sqrt((trA / dA) / (trG / dG));
            assertThat(pi).isGreaterThan(2);
            double[] dampedA = KroneckerMath.reconstruct(prior.layers()[l].qA(), prior.layers()[l].sA(), dA);
            double[] dampedG = KroneckerMath.reconstruct(prior.layers()[l].qG(), prior.layers()[l].sG(), dG);
            for (int i = 0; i < dA; i++) {
                for (int j = 0; j < dA; j++) {
                    double expected = a[l][i * dA + j] + (i == j ? pi * Math.sqrt(delta) : 0);
                    assertThat(dampedA[i * dA + j]).as("damped A_%d[%d][%d]", l, i, j).isCloseTo(expected, within(1e-4 * (1 + Math.abs(expected))));
                }
            }
            for (int i = 0; i < dG; i++) {
                for (int j = 0; j < dG; j++) {
                    double expected = g[l][i * dG + j] + (i == j ? Math.sqrt(delta) / pi : 0);
                    assertThat(dampedG[i * dG + j]).as("damped G_%d[%d][%d]", l, i, j).isCloseTo(expected, within(1e-4 * (1 + Math.abs(expected))));
                }
            }
        }
    }
}
