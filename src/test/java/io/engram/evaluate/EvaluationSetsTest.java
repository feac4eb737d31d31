package io.engram.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import io.engram.network.Activation;
import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The evaluation sets stay within their total bound whatever the number of tasks, each task keeping its equal share. */
class EvaluationSetsTest {

    @Test
    void manyTasks_stayWithinTheTotal_andEachKeepsItsShare() {
        int max = 300;
        EvaluationSets sets = new EvaluationSets(2, 100, max, 9);
        for (int task = 0; task < 40; task++) {
            for (int i = 0; i < 120; i++) {
                sets.add(task, new float[] {task, i}, i % 3);
                assertThat(sets.total()).as("after task %d example %d", task, i).isLessThanOrEqualTo(max);
            }
            int share = Math.max(1, Math.min(100, max / (task + 1)));
            for (int t = 0; t <= task; t++) {
                assertThat(sets.size(t)).as("task %d of %d", t, task + 1).isEqualTo(share);
            }
        }
    }

    @Test
    void aCutSet_keepsOnlyItsOwnExamples() {
        EvaluationSets sets = new EvaluationSets(2, 1000, 50, 3);
        for (int i = 0; i < 50; i++) {
            sets.add(0, new float[] {0, i}, 1); // task 0: label 1
        }
        for (int i = 0; i < 50; i++) {
            sets.add(1, new float[] {1, i}, 2); // task 1: label 2
        }
        assertThat(sets.size(0)).isEqualTo(25);
        assertThat(sets.size(1)).isEqualTo(25);
        // a network that always answers class 1 is right on every kept example of task 0 and on none of task 1
        MlpSpec spec = new MlpSpec(2, List.of(2), 3, Activation.RELU);
        float[] p = new float[spec.parameterCount()];
        JvmMlp always1 = new JvmMlp(spec, EvaluationSets.batchRows(), p);
        float[] biasTo1 = new float[spec.parameterCount()];
        always1.parameters(biasTo1);
        java.util.Arrays.fill(biasTo1, 0f);
        biasTo1[biasTo1.length - 2] = 5f; // output bias of class 1 in the flat layout: biases last, class order
        always1.setParameters(biasTo1);
        int[] predicted = new int[EvaluationSets.batchRows()];
        Batch batch = new Batch(EvaluationSets.batchRows());
        double acc0 = sets.accuracy(0, always1, batch, predicted);
        double acc1 = sets.accuracy(1, always1, batch, predicted);
        assertThat(acc0 + acc1).as("labels stayed with their rows: one task all right, the other all wrong").isEqualTo(1.0);
    }
}
