package io.engram.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Figures against matrices computed by hand (numbers below worked out on paper from docs/algorithms.md). */
class AccuracyMatrixTest {

    private static AccuracyMatrix threeTasks() {
        AccuracyMatrix m = new AccuracyMatrix();
        m.task("a");
        m.task("b");
        m.task("c");
        m.setBaseline(0, 0.10);
        m.setBaseline(1, 0.20);
        m.setBaseline(2, 0.05);
        m.addRow(new Double[] {0.90, 0.30, 0.10});
        m.addRow(new Double[] {0.70, 0.80, 0.15});
        m.addRow(new Double[] {0.60, 0.75, 0.85});
        return m;
    }

    @Test
    void threeTasks_matchHandComputation() {
        AccuracyMatrix m = threeTasks();
        // ACC = (0.60 + 0.75 + 0.85) / 3 = 0.7333
        assertThat(m.acc()).isCloseTo(2.20 / 3, within(1e-12));
        // LA = (0.90 + 0.80 + 0.85) / 3 = 0.85
        assertThat(m.la()).isCloseTo(0.85, within(1e-12));
        // BWT = ((0.60 − 0.90) + (0.75 − 0.80)) / 2 = −0.175
        assertThat(m.bwt()).isCloseTo(-0.175, within(1e-12));
        // FWT = ((R[1][2] − b_2) + (R[2][3] − b_3)) / 2 = ((0.30 − 0.20) + (0.15 − 0.05)) / 2 = 0.10
        assertThat(m.fwt()).isCloseTo(0.10, within(1e-12));
        // Forgetting = ((max(0.90, 0.70) − 0.60) + (max(0.30, 0.80) − 0.75)) / 2 = (0.30 + 0.05) / 2 = 0.175
        assertThat(m.forgetting()).isCloseTo(0.175, within(1e-12));
    }

    @Test
    void forgetting_usesTheMaximumNotTheFirstAccuracy() {
        AccuracyMatrix m = new AccuracyMatrix();
        m.task("a");
        m.task("b");
        m.task("c");
        m.addRow(new Double[] {0.50, null, null});
        m.addRow(new Double[] {0.90, 0.80, null});
        m.addRow(new Double[] {0.70, 0.80, 0.90});
        // task a: max(0.50, 0.90) − 0.70 = 0.20 (Avalanche's first-accuracy rule would give −0.20); task b: 0
        assertThat(m.forgetting()).isCloseTo(0.10, within(1e-12));
        assertThat(m.bwt()).isCloseTo(((0.70 - 0.50) + 0.0) / 2, within(1e-12));
    }

    @Test
    void oneTask_hasAccAndLaOnly() {
        AccuracyMatrix m = new AccuracyMatrix();
        m.task("only");
        m.addRow(new Double[] {0.8});
        assertThat(m.acc()).isEqualTo(0.8);
        assertThat(m.la()).isEqualTo(0.8);
        assertThat(m.bwt()).isNull();
        assertThat(m.fwt()).isNull();
        assertThat(m.forgetting()).isNull();
    }

    @Test
    void taskWithoutEvalSet_isSkippedInEveryAverage() {
        AccuracyMatrix m = new AccuracyMatrix();
        m.task("a");
        m.task("b");
        m.task("c");
        m.addRow(new Double[] {0.9, null, null});
        m.addRow(new Double[] {0.8, null, null}); // b has no evaluation set
        m.addRow(new Double[] {0.7, null, 0.6});
        assertThat(m.acc()).isCloseTo(0.65, within(1e-12));
        assertThat(m.la()).isCloseTo(0.75, within(1e-12));
        assertThat(m.bwt()).isCloseTo(-0.2, within(1e-12));
        assertThat(m.forgetting()).isCloseTo(0.2, within(1e-12));
        assertThat(m.rows().get(1)).containsExactly(0.8, null, null);
    }

    @Test
    void taskSeenAgain_keepsItsColumn() {
        AccuracyMatrix m = new AccuracyMatrix();
        assertThat(m.task("a")).isZero();
        assertThat(m.task("b")).isEqualTo(1);
        assertThat(m.task("a")).isZero();
        assertThat(m.tasks()).containsExactly("a", "b");
    }

    @Test
    void taskSeenAgain_addsARowAndKeepsItsFirstLearningAccuracy() {
        AccuracyMatrix m = new AccuracyMatrix();
        int a = m.task("a");
        int b = m.task("b");
        m.addRow(a, new Double[] {0.9, 0.2});
        m.addRow(b, new Double[] {0.6, 0.8});
        m.addRow(a, new Double[] {0.85, 0.5}); // a trained again, last
        // T = 2 tasks ended; last row is a's second end; "j < T" is b only
        assertThat(m.acc()).isCloseTo((0.85 + 0.5) / 2, within(1e-12));
        assertThat(m.la()).isCloseTo((0.9 + 0.8) / 2, within(1e-12));
        assertThat(m.bwt()).isCloseTo(0.5 - 0.8, within(1e-12));
        assertThat(m.forgetting()).isCloseTo(0.8 - 0.5, within(1e-12));
        assertThat(m.rowTasks()).containsExactly(a, b, a);
    }

    @Test
    void fwt_prefersTheAccuracyMeasuredJustBeforeTraining() {
        AccuracyMatrix m = new AccuracyMatrix();
        m.task("a");
        m.task("b");
        m.setBaseline(1, 0.1);
        m.addRow(0, new Double[] {0.9, null}); // b had no eval set at a's end
        m.setBeforeTraining(1, 0.3);
        m.addRow(1, new Double[] {0.7, 0.8});
        assertThat(m.fwt()).isCloseTo(0.2, within(1e-12));
    }
}
