package io.engram.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.engram.config.ConsolidationMethod;
import io.engram.config.DriftDetection;
import io.engram.config.LearnerMethod;
import io.engram.evaluate.DriftDetector;
import io.engram.evaluate.MetricsEvent;
import io.engram.evaluate.MetricsSink;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A task-free stream (one task name for ever) whose labels change meaning half-way: the drift
 * detector ends the first segment as a task end does and begins {@code t#2}; replayed records
 * raise no trigger; the task bound holds; the detector's state restores exactly.
 */
class DriftBoundaryTest {

    private static final int PHASE = 600;
    private static final DriftDetector.Settings ADWIN = new DriftDetector.Settings(DriftDetection.ADWIN, 0.002, 50);

    /** Online SGD + EWC: its state restores bit for bit (a K-FAC prior rotates the parameters, to the ulp). */
    private static LearnerSettings settings(DriftDetector.Settings drift, int maxTasks) {
        LearnerSettings base = LearnerStates.settings(LearnerStates.SPEC, LearnerMethod.ONLINE, ConsolidationMethod.EWC, 1, 40, 30);
        return new LearnerSettings(base.spec(), base.seed(), base.method(), base.learningRate(), base.batchSize(),
                base.replayCapacity(), base.replayBatch(), base.replayPolicy(), base.merBeta(), base.merGamma(), base.merBatches(),
                base.kernel(), base.consolidation(), new LearnerSettings.EvaluationSettings(30, 8, 0, 0, 10_000, maxTasks, 20, 0),
                base.outliers(), drift);
    }

    /** Records every boundary (the task or segment ended) with the train examples seen then. */
    private static final class Boundaries implements ContinualLearner.Listener {
        final List<String> ended = new ArrayList<>();
        final List<Long> at = new ArrayList<>();
        ContinualLearner learner;

        @Override
        public void consolidated(String model, String task, io.engram.consolidate.Consolidator.Report report) {
            ended.add(task);
            at.add(learner.status().trained());
        }
    }

    /** Replays when told to. */
    private static final class Versions implements VersionSink {
        final List<ModelSnapshot> published = new ArrayList<>();
        final List<MetricsEvent> events = new ArrayList<>();
        boolean replaying;

        @Override
        public long publish(ModelSnapshot snapshot, MetricsEvent metrics) {
            published.add(snapshot);
            events.add(metrics);
            return published.size();
        }

        @Override
        public boolean replaying() {
            return replaying;
        }
    }

    private static ContinualLearner learner(LearnerSettings settings, Versions versions, Boundaries boundaries) {
        ContinualLearner learner = new ContinualLearner("m", settings, MetricsSink.NONE, versions, boundaries, Clock.systemUTC());
        boundaries.learner = learner;
        return learner;
    }

    /**
     * {@code n} examples of task {@code t}: class c shows as input d % 3 == c; the label is c in
     * phase 0 and c + 1 (mod 3) in phase 1, a change of concept the task name does not tell. Every
     * fifth example is an eval example.
     */
    private static void feed(ContinualLearner learner, SplittableRandom random, int n, int phase) {
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(3);
            float[] x = new float[6];
            for (int d = 0; d < 6; d++) {
                x[d] = (float) (random.nextGaussian() * 0.3 + (d % 3 == c ? 1 : 0));
            }
            int label = (c + phase) % 3;
            if (i % 5 == 4) {
                learner.keepForEvaluation(new Example("m", "t", x, label, Example.Split.EVAL, null));
            } else {
                learner.train(new Example("m", "t", x, label, Example.Split.TRAIN, null));
            }
        }
    }

    private static long trainedIn(int records) {
        return records - records / 5;
    }

    @Test
    void errorRise_inATaskFreeStream_endsTheSegment_andBeginsTheNext() {
        Versions versions = new Versions();
        Boundaries boundaries = new Boundaries();
        ContinualLearner learner = learner(settings(ADWIN, 256), versions, boundaries);
        SplittableRandom random = new SplittableRandom(1);
        feed(learner, random, PHASE, 0);
        assertThat(boundaries.ended).as("no alarm while the first concept is learned").isEmpty();
        feed(learner, random, PHASE, 1);

        assertThat(boundaries.ended).containsExactly("t");
        long change = trainedIn(PHASE);
        assertThat(boundaries.at.get(0)).as("the alarm, in train examples; the change came after %d", change)
                .isBetween(change + 1, change + 60);
        assertThat(learner.status().tasks()).containsExactly("t", "t#2");
        assertThat(learner.status().endedTasks()).containsExactly("t");
        assertThat(learner.pendingTriggers()).containsExactly("drift:t#2");
        assertThat(learner.evaluation().matrix().rowTasks()).containsExactly(0);
        assertThat(learner.evaluation().matrix().rows().get(0).get(0)).as("segment t evaluated at its end").isNotNull();
        assertThat(learner.taskLoss()).containsKeys("t", "t#2");

        learner.batchEnded(Map.of("examples-0", 1200L));
        assertThat(versions.published).singleElement().satisfies(v -> {
            assertThat(v.trigger()).isEqualTo("drift:t#2");
            assertThat(v.tasks()).containsExactly("t", "t#2");
            assertThat(v.training()).containsKey("drift");
        });
        assertThat(versions.events.get(0).afterTask()).as("the version carries the boundary's event").isEqualTo("t");
    }

    @Test
    void withoutADetector_theSameStreamStaysOneTask() {
        Boundaries boundaries = new Boundaries();
        ContinualLearner learner = learner(settings(DriftDetector.Settings.OFF, 256), new Versions(), boundaries);
        SplittableRandom random = new SplittableRandom(1);
        feed(learner, random, PHASE, 0);
        feed(learner, random, PHASE, 1);
        assertThat(boundaries.ended).isEmpty();
        assertThat(learner.status().tasks()).containsExactly("t");
    }

    @Test
    void replayedRecords_cutTheirSegments_butRaiseNoTrigger() {
        Versions versions = new Versions();
        versions.replaying = true;
        Boundaries boundaries = new Boundaries();
        ContinualLearner learner = learner(settings(ADWIN, 256), versions, boundaries);
        SplittableRandom random = new SplittableRandom(1);
        feed(learner, random, PHASE, 0);
        feed(learner, random, PHASE, 1);
        assertThat(learner.status().tasks()).containsExactly("t", "t#2");
        assertThat(learner.pendingTriggers()).as("its version was committed before").isEmpty();
        learner.batchEnded(Map.of());
        assertThat(versions.published).isEmpty();
    }

    @Test
    void atTheTaskBound_anAlarmEndsNothing() {
        Boundaries boundaries = new Boundaries();
        ContinualLearner learner = learner(settings(ADWIN, 1), new Versions(), boundaries);
        SplittableRandom random = new SplittableRandom(1);
        feed(learner, random, PHASE, 0);
        feed(learner, random, PHASE, 1);
        assertThat(boundaries.ended).isEmpty();
        assertThat(learner.status().tasks()).containsExactly("t");
        assertThat(learner.pendingTriggers()).isEmpty();
    }

    @Test
    void aTaskEnd_goesToTheCurrentSegment_andRestartsTheWindow() {
        Boundaries boundaries = new Boundaries();
        ContinualLearner learner = learner(settings(ADWIN, 256), new Versions(), boundaries);
        SplittableRandom random = new SplittableRandom(1);
        feed(learner, random, PHASE, 0);
        feed(learner, random, PHASE, 1);
        learner.endTask("t");
        assertThat(boundaries.ended).containsExactly("t", "t#2");
        assertThat(learner.pendingTriggers()).containsExactly("drift:t#2", "task_end:t");
        assertThat(learner.drift().sinceBoundary()).isZero();
        assertThat(learner.status().tasks()).containsExactly("t", "t#2");
    }

    @Test
    void detectorState_restoresExactly_andTheRestoredLearnerCutsTheSameNextSegment() throws IOException {
        LearnerSettings settings = settings(ADWIN, 256);
        Boundaries boundaries = new Boundaries();
        ContinualLearner original = learner(settings, new Versions(), boundaries);
        SplittableRandom random = new SplittableRandom(1);
        feed(original, random, PHASE, 0);
        feed(original, random, PHASE, 1);
        assertThat(original.drift().segments()).containsEntry("t", 2);
        byte[] state = LearnerStates.write(original);
        Map<String, String> expected = LearnerText.of(original);
        assertThat(expected).containsKey("drift-adwin");

        ContinualLearner restored = LearnerStates.restore(settings, state, 5);
        Map<String, String> actual = LearnerText.of(restored);
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (String section : expected.keySet()) {
            assertThat(actual.get(section)).as("section %s", section).isEqualTo(expected.get(section));
        }
        Boundaries after = new Boundaries();
        ContinualLearner again = learner(settings, new Versions(), after);
        again.readState(new java.io.DataInputStream(new java.io.ByteArrayInputStream(state)), 5);
        feed(again, new SplittableRandom(2), PHASE, 2);
        assertThat(after.ended).as("the next change ends segment t#2").containsExactly("t#2");
        assertThat(again.status().tasks()).containsExactly("t", "t#2", "t#3");
    }
}
