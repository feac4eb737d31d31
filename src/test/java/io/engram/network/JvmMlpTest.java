package io.engram.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class JvmMlpTest {

    private static final long SEED = 20261129L;

    static float[] randomInputs(int rows, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[rows * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        return x;
    }

    static Batch batch(float[] x, int rows, int size, int classes) {
        Batch batch = new Batch(rows);
        for (int r = 0; r < rows; r++) {
            batch.add(x, r * size, (r * 7 + 3) % classes);
        }
        return batch;
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void gradient_matchesFiniteDifferencesOfTheDoubleReference(Activation activation) {
        MlpSpec spec = new MlpSpec(6, List.of(5, 4), 3, activation);
        JvmMlp net = new JvmMlp(spec, 8, SEED);
        float[] x = randomInputs(7, 6, 1);
        Batch batch = batch(x, 7, 6, 3); // 7 rows: one four-row block and three single rows
        float[] analytic = new float[spec.parameterCount()];
        float loss = net.gradient(batch, analytic);

        float[] p = new float[spec.parameterCount()];
        net.parameters(p);
        double[] pd = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            pd[i] = p[i];
        }
        assertThat((double) loss).isCloseTo(ReferenceMlp.loss(spec, pd, batch), within(1e-5));
        double[] numeric = ReferenceMlp.numericalGradient(spec, p, batch, 1e-5);
        for (int i = 0; i < numeric.length; i++) {
            assertThat((double) analytic[i]).as("∂loss/∂θ[%d]", i).isCloseTo(numeric[i], within(2e-4 + 1e-3 * Math.abs(numeric[i])));
        }
    }

    @Test
    void predict_matchesTheDoubleReference() {
        MlpSpec spec = new MlpSpec(37, List.of(19, 11), 5, Activation.RELU);
        JvmMlp net = new JvmMlp(spec, 4, SEED);
        float[] x = randomInputs(1, 37, 2);
        float[] probabilities = new float[5];
        net.predict(x, 0, probabilities);
        float[] p = new float[spec.parameterCount()];
        net.parameters(p);
        double[] pd = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            pd[i] = p[i];
        }
        double[] expected = ReferenceMlp.probabilities(spec, pd, x, 0);
        for (int c = 0; c < 5; c++) {
            assertThat((double) probabilities[c]).isCloseTo(expected[c], within(1e-6));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 4, 9})
    void step_equalsParametersMinusLearningRateTimesMeanGradient(int rows) {
        MlpSpec spec = new MlpSpec(33, List.of(17), 4, Activation.RELU);
        JvmMlp net = new JvmMlp(spec, 16, SEED);
        Batch batch = batch(randomInputs(rows, 33, 3), rows, 33, 4);
        float[] before = new float[spec.parameterCount()];
        float[] gradient = new float[spec.parameterCount()];
        net.parameters(before);
        net.gradient(batch, gradient);
        net.step(batch, 0.05f);
        float[] after = new float[spec.parameterCount()];
        net.parameters(after);
        for (int i = 0; i < after.length; i++) {
            assertThat(after[i]).as("θ[%d]", i).isCloseTo(before[i] - 0.05f * gradient[i], within(1e-6f));
        }
    }

    @Test
    void batchGradient_equalsMeanOfSingleRowGradients() {
        MlpSpec spec = new MlpSpec(50, List.of(20, 10), 6, Activation.TANH);
        JvmMlp net = new JvmMlp(spec, 16, SEED);
        int rows = 11;
        float[] x = randomInputs(rows, 50, 4);
        Batch all = batch(x, rows, 50, 6);
        float[] batchGradient = new float[spec.parameterCount()];
        net.gradient(all, batchGradient);
        double[] mean = new double[spec.parameterCount()];
        float[] single = new float[spec.parameterCount()];
        for (int r = 0; r < rows; r++) {
            net.gradient(new Batch(1).add(x, r * 50, all.label(r)), single);
            for (int i = 0; i < single.length; i++) {
                mean[i] += single[i] / (double) rows;
            }
        }
        for (int i = 0; i < mean.length; i++) {
            assertThat((double) batchGradient[i]).isCloseTo(mean[i], within(1e-5));
        }
    }

    @Test
    void vectorAndScalarKernels_agreeToFloatRounding() {
        Kernels scalar = new ScalarKernels();
        Kernels vector = Kernels.best();
        assertThat(vector).as("tests run with --add-modules jdk.incubator.vector").isInstanceOf(VectorKernels.class);
        for (int n : new int[] {1, 7, 16, 33, 100, 784}) {
            float[] a = randomInputs(1, n + 5, n);
            float[] b = randomInputs(4, n + 5, n + 1);
            assertThat(vector.dot(a, 2, b, 3, n)).isCloseTo(scalar.dot(a, 2, b, 3, n), within(1e-4f * n));
            float[] outV = new float[4];
            float[] outS = new float[4];
            vector.dot4(a, 1, b, 0, b, n, b, 2 * n, b, 3 * n, n, outV);
            scalar.dot4(a, 1, b, 0, b, n, b, 2 * n, b, 3 * n, n, outS);
            for (int k = 0; k < 4; k++) {
                assertThat(outV[k]).isCloseTo(outS[k], within(1e-4f * n));
            }
            float[] yV = randomInputs(1, n + 3, 9);
            float[] yS = yV.clone();
            vector.axpy(0.3f, a, 1, yV, 2, n);
            scalar.axpy(0.3f, a, 1, yS, 2, n);
            vector.axpy4(0.1f, a, 0, -0.2f, b, 1, 0.3f, b, n, 0.4f, b, 2 * n, yV, 1, n);
            scalar.axpy4(0.1f, a, 0, -0.2f, b, 1, 0.3f, b, n, 0.4f, b, 2 * n, yS, 1, n);
            for (int i = 0; i < yV.length; i++) {
                assertThat(yV[i]).isCloseTo(yS[i], within(1e-5f));
            }
        }
    }

    @Test
    void interpolateFromSnapshot_isReptileUpdate() {
        MlpSpec spec = new MlpSpec(4, List.of(3), 2, Activation.RELU);
        JvmMlp net = new JvmMlp(spec, 2, SEED);
        float[] start = new float[spec.parameterCount()];
        net.parameters(start);
        net.saveSnapshot(0);
        float[] moved = new float[start.length];
        for (int i = 0; i < moved.length; i++) {
            moved[i] = start[i] + (i + 1) * 0.5f;
        }
        net.setParameters(moved);
        net.interpolateFromSnapshot(0, 0.25f);
        float[] after = new float[start.length];
        net.parameters(after);
        for (int i = 0; i < after.length; i++) {
            assertThat(after[i]).isCloseTo(start[i] + 0.25f * (i + 1) * 0.5f, within(1e-6f));
        }
        net.interpolateFromSnapshot(0, 0f);
        net.parameters(after);
        assertThat(after).containsExactly(start);
    }
}
