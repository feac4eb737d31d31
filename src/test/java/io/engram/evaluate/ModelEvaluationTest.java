package io.engram.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import io.engram.network.Activation;
import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import io.engram.network.Nd4jMlp;
import io.engram.network.Network;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Evaluation runs on networks of the learner's kind (on the ND4J kernel's device when it trains
 * there): the accuracy matrix and baseline are the fractions of evaluation examples whose most
 * probable class, counted one by one with the learner's own {@code predict}, is their label.
 */
class ModelEvaluationTest {

    private static final MlpSpec SPEC = new MlpSpec(12, List.of(8), 3, Activation.TANH);

    @ParameterizedTest(name = "{0} kernel")
    @ValueSource(strings = {"jvm", "nd4j"})
    void accuracies_areTheCountsOfCorrectPredictions(String kernel) {
        float[] initial = JvmMlp.initialParameters(SPEC, 4);
        Network learner = kernel.equals("jvm") ? new JvmMlp(SPEC, 8, initial) : new Nd4jMlp(SPEC, 8, initial, 1);
        ModelEvaluation evaluation = new ModelEvaluation("m", learner, initial, 100, 1000, 100, 5, Clock.systemUTC());
        SplittableRandom random = new SplittableRandom(8);
        float[][] x = new float[2][60 * 12];
        int[][] y = new int[2][60];
        for (int t = 0; t < 2; t++) {
            int task = evaluation.task("t" + t);
            for (int e = 0; e < 60; e++) {
                for (int i = 0; i < 12; i++) {
                    x[t][e * 12 + i] = (float) random.nextDouble(-1, 1);
                }
                y[t][e] = (x[t][e * 12] > 0 ? 1 : 0) + (t == 1 && x[t][e * 12 + 1] > 0.5 ? 1 : 0);
                evaluation.keep(task, java.util.Arrays.copyOfRange(x[t], e * 12, (e + 1) * 12), y[t][e]);
            }
        }
        Batch batch = new Batch(8);
        for (int s = 0; s < 200; s++) {
            batch.clear();
            for (int r = 0; r < 8; r++) {
                int e = (s * 8 + r) % 60;
                batch.add(x[0], e * 12, y[0][e]);
            }
            learner.step(batch, 0.2f);
        }
        evaluation.taskEnded(0, learner, 1600, Map.of());

        Network untrained = new JvmMlp(SPEC, 1, initial);
        List<Double> row = evaluation.matrix().rows().get(0);
        for (int t = 0; t < 2; t++) {
            assertThat(row.get(t)).as("R[0][%d]", t).isEqualTo(accuracy(learner, x[t], y[t]));
            assertThat(evaluation.matrix().baseline().get(t)).as("b_%d", t).isEqualTo(accuracy(untrained, x[t], y[t]));
        }
        assertThat(row.get(0)).as("task 0 was learned").isGreaterThan(evaluation.matrix().baseline().get(0) + 0.1);
    }

    private static double accuracy(Network network, float[] x, int[] y) {
        float[] p = new float[SPEC.classes()];
        int correct = 0;
        for (int e = 0; e < y.length; e++) {
            network.predict(x, e * 12, p);
            int best = 0;
            for (int c = 1; c < p.length; c++) {
                best = p[c] > p[best] ? c : best;
            }
            correct += best == y[e] ? 1 : 0;
        }
        return (double) correct / y.length;
    }
}
