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
import io.engram.replay.ReplayPolicy;
import io.engram.evaluate.MetricsEvent;
import io.engram.evaluate.MetricsSink;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The model's life around its learner: status without the learner's lock, folded versions, the task bound. */
class ContinualLearnerTest {

    private static LearnerSettings settings(LearnerMethod method, ConsolidationMethod consolidation) {
        return new LearnerSettings(new MlpSpec(6, List.of(8), 3, Activation.RELU), 7, method, 0.05f, 1, 50, 5,
                ReplayPolicy.RESERVOIR, 0.1f, 1f, 2, Kernel.JVM,
                new Consolidators.Settings(consolidation, 5, 0.01, 0.9, LabelMode.SAMPLED, 40, 8),
                new LearnerSettings.EvaluationSettings(30, 50, 0, 0));
    }

    private static ContinualLearner learner(LearnerSettings settings) {
        return new ContinualLearner("m", settings, MetricsSink.NONE, VersionSink.NONE, ContinualLearner.Listener.NONE, Clock.systemUTC());
    }

    private static Example train(String task, int label) {
        return new Example("m", task, new float[] {0.1f * label, 1, 0, 0, 0.5f, 0}, label, Example.Split.TRAIN, null);
    }

    @Test
    void status_answersWhileTheLearnerIsBusy() throws Exception {
        ContinualLearner learner = learner(settings(LearnerMethod.ER, ConsolidationMethod.KFAC));
        learner.train(train("a", 1));
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread busy = new Thread(() -> {
            synchronized (learner) { // what a long consolidation does: hold the learner
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        busy.start();
        held.await();
        try {
            LearnerStatus status = CompletableFuture.supplyAsync(learner::status).get(2, TimeUnit.SECONDS);
            assertThat(status.trained()).isEqualTo(1);
            assertThat(status.tasks()).containsExactly("a");
        } finally {
            release.countDown();
            busy.join();
        }
    }

    @Test
    void triggersOfOneBatch_foldIntoOneVersion_andEachTaskEndKeepsItsEvent() {
        List<ModelSnapshot> versions = new ArrayList<>();
        List<MetricsEvent> events = new ArrayList<>();
        VersionSink sink = (snapshot, metrics) -> {
            versions.add(snapshot);
            return versions.size();
        };
        ContinualLearner learner = new ContinualLearner("m", settings(LearnerMethod.ER, ConsolidationMethod.KFAC),
                events::add, sink, ContinualLearner.Listener.NONE, Clock.systemUTC());
        for (String task : List.of("a", "b", "c")) {
            learner.train(train(task, 1));
            learner.endTask(task);
        }
        learner.publish();
        assertThat(versions).isEmpty();
        learner.batchEnded(java.util.Map.of("engram.examples-0", 1L));
        assertThat(versions).hasSize(1);
        assertThat(versions.get(0).trigger()).isEqualTo("publish");
        assertThat(versions.get(0).folded()).containsExactly("task_end:a", "task_end:b", "task_end:c", "publish");
        assertThat(versions.get(0).foldedCount()).isEqualTo(4);
        assertThat(events.stream().filter(e -> e.afterTask() != null).map(MetricsEvent::afterTask)).containsExactly("a", "b", "c");
        assertThat(events).allSatisfy(e -> assertThat(e.version()).isEqualTo(1L));
        learner.batchEnded(java.util.Map.of("engram.examples-0", 1L));
        assertThat(versions).as("nothing new, no version").hasSize(1);
    }

    @Test
    void aTaskBeyondTheBound_isRefusedBeforeAnythingChanges() {
        LearnerSettings base = settings(LearnerMethod.ER, ConsolidationMethod.NONE);
        LearnerSettings.EvaluationSettings e = base.evaluation();
        LearnerSettings two = new LearnerSettings(base.spec(), base.seed(), base.method(), base.learningRate(), base.batchSize(),
                base.replayCapacity(), base.replayBatch(), base.replayPolicy(), base.merBeta(), base.merGamma(), base.merBatches(),
                base.kernel(), base.consolidation(), new LearnerSettings.EvaluationSettings(e.maxPerTask(), e.prequentialWindow(),
                        e.everyExamples(), e.publishEveryExamples(), e.maxExamples(), 2, e.matrixWindow(), 0), base.outliers());
        ContinualLearner learner = new ContinualLearner("m", two, MetricsSink.NONE, VersionSink.NONE, ContinualLearner.Listener.NONE,
                Clock.systemUTC());
        learner.train(train("a", 0));
        learner.train(train("b", 1));
        assertThatThrownBy(() -> learner.train(train("c", 2))).isInstanceOf(ModelLimitException.class)
                .hasMessageContaining("engram.learner.max-tasks (2)");
        assertThatThrownBy(() -> learner.endTask("c")).isInstanceOf(ModelLimitException.class);
        assertThat(learner.status().trained()).isEqualTo(2);
        assertThat(learner.status().tasks()).containsExactly("a", "b");
        learner.train(train("a", 1));
        assertThat(learner.status().trained()).isEqualTo(3);
    }
}
