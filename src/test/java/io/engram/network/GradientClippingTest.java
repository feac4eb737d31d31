package io.engram.network;

import io.engram.network.Nd4jMlp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-example gradient clipping and {@link Network#measure}, against per-row gradients computed without them. */
class GradientClippingTest {

    private static final MlpSpec SPEC = new MlpSpec(8, List.of(6, 5), 3, Activation.RELU);

    private static float[] params(Network n) {
        float[] p = new float[SPEC.parameterCount()];
        n.parameters(p);
        return p;
    }

    /** Inputs of very different scales, so that some rows are clipped and some not. */
    private static float[] inputs(int rows) {
        float[] x = JvmMlpTest.randomInputs(rows, 8, 41);
        for (int r = 0; r < rows; r++) {
            float scale = r % 2 == 0 ? 0.2f : 40f;
            for (int i = 0; i < 8; i++) {
                x[r * 8 + i] *= scale;
            }
        }
        return x;
    }

    /** θ − (η/n) Σ_r g_r · min(1, c/|g_r|), with each g_r from {@link Network#gradient} of that row alone. */
    private static double[] expectedStep(float[] theta, float[] x, int rows, float rate, float clip) {
        double[] expected = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            expected[i] = theta[i];
        }
        float[] g = new float[theta.length];
        for (int r = 0; r < rows; r++) {
            new JvmMlp(SPEC, 1, theta).gradient(new Batch(1).add(x, r * 8, r % 3), g);
            double norm = 0;
            for (float v : g) {
                norm += v * (double) v;
            }
            norm = Math.sqrt(norm);
            double scale = clip > 0 && norm > clip ? clip / norm : 1;
            for (int i = 0; i < theta.length; i++) {
                expected[i] -= rate / rows * scale * g[i];
            }
        }
        return expected;
    }

    @Test
    void step_clipsEachRowsGradientToTheNorm_inBothNetworks() {
        int rows = 6;
        float[] x = inputs(rows);
        float clip = 0.5f;
        for (Network net : new Network[] {new JvmMlp(SPEC, rows, 42L), new Nd4jMlp(SPEC, rows, 42L)}) {
            net.setClipNorm(clip);
            float[] theta = params(net);
            double[] expected = expectedStep(theta, x, rows, 0.1f, clip);
            double[] unclipped = expectedStep(theta, x, rows, 0.1f, 0f);
            net.step(JvmMlpTest.batch(x, rows, 8, 3), 0.1f);
            float[] after = params(net);
            double differs = 0;
            for (int i = 0; i < after.length; i++) {
                assertThat((double) after[i]).as("%s θ[%d]", net.getClass().getSimpleName(), i)
                        .isCloseTo(expected[i], within(1e-5 * (1 + Math.abs(expected[i]))));
                differs = Math.max(differs, Math.abs(expected[i] - unclipped[i]));
            }
            assertThat(differs).as("some rows were clipped").isGreaterThan(1e-2);
        }
    }

    @Test
    void oneAbsurdExample_movesTheParametersByAtMostRateTimesClipNorm() {
        float[] x = JvmMlpTest.randomInputs(1, 8, 43);
        for (int i = 0; i < 8; i++) {
            x[i] = Math.abs(x[i]) * 255f;
        }
        JvmMlp net = new JvmMlp(SPEC, 1, 44L);
        net.setClipNorm(2f);
        float[] p = new float[3];
        net.predict(x, 0, p);
        int wrong = p[0] <= p[1] && p[0] <= p[2] ? 0 : p[1] <= p[2] ? 1 : 2; // the least likely class: a large error
        float[] m = new float[4];
        net.measure(x, 0, wrong, m, null);
        assertThat(m[1]).as("the unclipped gradient norm").isGreaterThan(100f);
        float[] before = params(net);
        net.step(new Batch(1).add(x, 0, wrong), 0.03f);
        float[] after = params(net);
        double moved = 0;
        for (int i = 0; i < after.length; i++) {
            moved += (after[i] - before[i]) * (double) (after[i] - before[i]);
        }
        assertThat(Math.sqrt(moved)).isCloseTo(0.03 * 2, within(1e-4));
    }

    @Test
    void clipNormZero_isThePlainStep() {
        float[] x = inputs(4);
        JvmMlp clipped = new JvmMlp(SPEC, 4, 45L);
        JvmMlp plain = new JvmMlp(SPEC, 4, 45L);
        clipped.setClipNorm(1e9f);
        clipped.step(JvmMlpTest.batch(x, 4, 8, 3), 0.1f);
        plain.step(JvmMlpTest.batch(x, 4, 8, 3), 0.1f);
        assertThat(params(clipped)).containsExactly(params(plain));
    }

    @Test
    void measure_givesTheLossTheGradientNormTheInputNormAndTheOutputError_andChangesNothing() {
        float[] x = inputs(2);
        for (Network net : new Network[] {new JvmMlp(SPEC, 1, 46L), new Nd4jMlp(SPEC, 1, 46L)}) {
            float[] theta = params(net);
            float[] m = new float[4];
            float[] probabilities = new float[3];
            net.measure(x, 8, 1, m, probabilities);
            assertThat(params(net)).containsExactly(theta);
            float[] predicted = new float[3];
            net.predict(x, 8, predicted);
            assertThat(probabilities).containsExactly(predicted);
            float[] g = new float[theta.length];
            float loss = new JvmMlp(SPEC, 1, theta).gradient(new Batch(1).add(x, 8, 1), g);
            double norm = 0;
            for (float v : g) {
                norm += v * (double) v;
            }
            double[] p = ReferenceMlp.probabilities(SPEC, toDouble(theta), x, 8);
            double error = 0;
            for (int c = 0; c < 3; c++) {
                error += Math.pow(p[c] - (c == 1 ? 1 : 0), 2);
            }
            double inputs = 0;
            for (double[] a : ReferenceMlp.layerInputs(SPEC, toDouble(theta), x, 8)) {
                for (double v : a) {
                    inputs += v * v;
                }
                inputs += 1; // the bias coordinate
            }
            String name = net.getClass().getSimpleName();
            assertThat(m[0]).as("%s loss", name).isCloseTo(loss, within(1e-5f));
            assertThat((double) m[1]).as("%s gradient norm", name).isCloseTo(Math.sqrt(norm), within(1e-4 * Math.sqrt(norm)));
            assertThat((double) m[2]).as("%s input norm", name).isCloseTo(Math.sqrt(inputs), within(1e-4 * Math.sqrt(inputs)));
            assertThat((double) m[3]).as("%s output error", name).isCloseTo(Math.sqrt(error), within(1e-5));
        }
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
