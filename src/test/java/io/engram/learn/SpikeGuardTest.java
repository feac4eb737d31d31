package io.engram.learn;

import io.engram.network.Activation;
import io.engram.network.Kernel;
import io.engram.network.MlpSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.consolidate.Consolidators;
import io.engram.config.LabelMode;
import io.engram.evaluate.MetricsSink;
import io.engram.replay.ReplayPolicy;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The spike guard refuses an absurd example before anything changes, and leaves normal streams and new tasks alone. */
class SpikeGuardTest {

    private static final int D = 20;
    private static final MlpSpec SPEC = new MlpSpec(D, List.of(16), 3, Activation.RELU);

    private static LearnerSettings settings(LearnerMethod method, LearnerSettings.Outliers outliers) {
        return new LearnerSettings(SPEC, 5, method, method == LearnerMethod.MER ? 0.03f : 0.05f, 1, 200, 5, ReplayPolicy.RESERVOIR,
                0.1f, 1f, 2, Kernel.JVM, new Consolidators.Settings(ConsolidationMethod.KFAC, 1, 0.001, 0.9, LabelMode.SAMPLED, 100, 6),
                new LearnerSettings.EvaluationSettings(50, 100, 0, 0), outliers);
    }

    /** Three classes in [0, 1]^D: class c lights up every third pixel from c, with noise. */
    private static float[] example(SplittableRandom random, int label) {
        float[] x = new float[D];
        for (int i = 0; i < D; i++) {
            x[i] = (float) Math.min(1, Math.max(0, (i % 3 == label ? 0.7 : 0.1) + random.nextGaussian() * 0.15));
        }
        return x;
    }

    private static float[] scaled(float[] x, float factor) {
        float[] y = x.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] *= factor;
        }
        return y;
    }

    private static void feed(LearningCore core, SplittableRandom random, int n, int task, float scale) {
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(3);
            core.observe(scaled(example(random, label), scale), 0, label, task);
        }
    }

    private static byte[] state(LearningCore core) throws IOException {
        return CoreState.write(core);
    }

    private static float[] params(LearningCore core) {
        float[] p = new float[SPEC.parameterCount()];
        core.network().parameters(p);
        return p;
    }

    @Test
    void unscaledExample_isRefusedBeforeAnyChange_parametersBufferAndWindowBitIdentical() throws IOException {
        for (LearnerMethod method : LearnerMethod.values()) {
            LearningCore core = settings(method, LearnerSettings.Outliers.DEFAULT).build();
            LearningCore twin = settings(method, LearnerSettings.Outliers.DEFAULT).build();
            feed(core, new SplittableRandom(1), 300, 0, 1f);
            feed(twin, new SplittableRandom(1), 300, 0, 1f);
            byte[] before = state(core);
            long seen = core.buffer().seen();
            float[] bad = scaled(example(new SplittableRandom(2), 1), 255f);
            assertThatThrownBy(() -> core.observe(bad, 0, 0, 0)).as(method.name())
                    .isInstanceOf(OutlierException.class).hasMessageContaining("engram.learner.spike-guard");
            assertThat(state(core)).as("%s: parameters, buffer, minibatch, window, prior", method).isEqualTo(before);
            assertThat(core.buffer().seen()).isEqualTo(seen);
            // the guard's own statistics did not change either: both go on identically
            feed(core, new SplittableRandom(3), 100, 0, 1f);
            feed(twin, new SplittableRandom(3), 100, 0, 1f);
            assertThat(params(core)).as(method.name()).containsExactly(params(twin));
        }
    }

    @Test
    void unscaledExampleTheModelAlreadyGetsRight_isRefusedByItsInputNorm() {
        LearningCore core = settings(LearnerMethod.ONLINE, LearnerSettings.Outliers.DEFAULT).build();
        feed(core, new SplittableRandom(4), 400, 0, 1f);
        SplittableRandom random = new SplittableRandom(5);
        float[] m = new float[4];
        int refused = 0;
        int saturated = 0;
        for (int i = 0; i < 30; i++) {
            int label = random.nextInt(3);
            float[] bad = scaled(example(random, label), 255f);
            core.network().measure(bad, 0, label, m, null);
            if (m[3] < 1e-6f) {
                saturated++;
                try {
                    core.observe(bad, 0, label, 0);
                } catch (OutlierException e) {
                    refused++;
                }
            }
        }
        assertThat(saturated).as("unscaled examples with a saturated, right softmax (loss and gradient 0)").isPositive();
        assertThat(refused).isEqualTo(saturated);
    }

    @Test
    void refusedExample_leavesTheLearnersCountersAndStateUnchanged() throws IOException {
        ContinualLearner learner = new ContinualLearner("m", settings(LearnerMethod.MER, LearnerSettings.Outliers.DEFAULT),
                MetricsSink.NONE, VersionSink.NONE, ContinualLearner.Listener.NONE, Clock.systemUTC());
        SplittableRandom random = new SplittableRandom(6);
        for (int i = 0; i < 200; i++) {
            int label = random.nextInt(3);
            learner.train(new Example("m", "t", example(random, label), label, Example.Split.TRAIN, null));
        }
        ByteArrayOutputStream before = new ByteArrayOutputStream();
        learner.writeState(new DataOutputStream(before));
        LearnerStatus status = learner.status();
        Example bad = new Example("m", "t", scaled(example(random, 2), 255f), 2, Example.Split.TRAIN, null);
        assertThatThrownBy(() -> learner.train(bad)).isInstanceOf(OutlierException.class);
        ByteArrayOutputStream after = new ByteArrayOutputStream();
        learner.writeState(new DataOutputStream(after));
        assertThat(after.toByteArray()).as("counters, prequential window, losses, learning state").isEqualTo(before.toByteArray());
        assertThat(learner.status().trained()).isEqualTo(status.trained());
    }

    @Test
    void guardOff_learnsFromTheSameExample() {
        LearningCore core = settings(LearnerMethod.ONLINE, new LearnerSettings.Outliers(50f, 0f, 100)).build();
        feed(core, new SplittableRandom(1), 300, 0, 1f);
        float[] before = params(core);
        core.observe(scaled(example(new SplittableRandom(2), 1), 255f), 0, 0, 0);
        assertThat(params(core)).isNotEqualTo(before);
    }

    @Test
    void aNewTaskOnAnotherScale_isAcceptedThroughItsWarmUp_andTheFirstExamplesAreNeverJudged() {
        LearningCore core = settings(LearnerMethod.ONLINE, LearnerSettings.Outliers.DEFAULT).build();
        feed(core, new SplittableRandom(7), 5, 0, 1f);
        core.observe(scaled(example(new SplittableRandom(8), 0), 255f), 0, 0, 0); // within the warm-up: not judged
        feed(core, new SplittableRandom(9), 300, 0, 1f);
        feed(core, new SplittableRandom(10), 300, 1, 20f); // a new task twenty times larger: no refusal
        core.endTask(1);
        feed(core, new SplittableRandom(11), 300, 2, 1f); // and back
    }

    @Test
    void restoredCore_rebuildsItsStatistics_andRefusesAtOnce() throws IOException {
        LearningCore core = settings(LearnerMethod.ER, LearnerSettings.Outliers.DEFAULT).build();
        feed(core, new SplittableRandom(12), 300, 0, 1f);
        LearningCore restored = settings(LearnerMethod.ER, LearnerSettings.Outliers.DEFAULT).build();
        CoreState.read(restored, state(core), 1);
        float[] bad = scaled(example(new SplittableRandom(13), 1), 255f);
        assertThatThrownBy(() -> restored.observe(bad, 0, 1, 0)).isInstanceOf(OutlierException.class);
    }
}
