package io.engram.checkpoint;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.consolidate.Consolidators;
import io.engram.config.LabelMode;
import io.engram.evaluate.MetricsSink;
import io.engram.learn.Example;
import io.engram.network.Activation;
import io.engram.learn.ContinualLearner;
import io.engram.learn.DivergedException;
import io.engram.network.Kernel;
import io.engram.learn.LearnerSettings;
import io.engram.network.MlpSpec;
import io.engram.learn.VersionSink;
import io.engram.replay.ReplayPolicy;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class DivergenceGuardTest {

    @Test
    void aStepThatBlowsUpTheWeights_isReportedAsDivergence_beforeAnyVersion() {
        LearnerSettings settings = new LearnerSettings(new MlpSpec(3, List.of(4), 2, Activation.TANH), 1, LearnerMethod.ONLINE,
                1e30f, 1, 10, 1, ReplayPolicy.RESERVOIR, 0.1f, 1f, 1, Kernel.JVM,
                new Consolidators.Settings(ConsolidationMethod.NONE, 0, 0.001, 0.9, LabelMode.SAMPLED, 10, 1),
                LearnerSettings.EvaluationSettings.DEFAULT);
        ContinualLearner learner = new ContinualLearner("m", settings, MetricsSink.NONE, VersionSink.NONE,
                ContinualLearner.Listener.NONE, Clock.systemUTC());
        assertThatThrownBy(() -> {
            for (int i = 0; i < 5; i++) {
                learner.train(new Example("m", "t", new float[] {1, -1, 0.5f}, i % 2, Example.Split.TRAIN, null));
            }
        }).isInstanceOf(DivergedException.class).hasMessageContaining("diverged");
    }

    @Test
    void withMinibatches_theStepThatBlowsUpTheWeights_isReportedOnTheExampleThatCompletedIt() {
        int batch = 4;
        LearnerSettings settings = new LearnerSettings(new MlpSpec(3, List.of(4), 2, Activation.TANH), 1, LearnerMethod.ONLINE,
                1e30f, batch, 10, 1, ReplayPolicy.RESERVOIR, 0.1f, 1f, 1, Kernel.JVM,
                new Consolidators.Settings(ConsolidationMethod.NONE, 0, 0.001, 0.9, LabelMode.SAMPLED, 10, 1),
                LearnerSettings.EvaluationSettings.DEFAULT);
        ContinualLearner learner = new ContinualLearner("m", settings, MetricsSink.NONE, VersionSink.NONE,
                ContinualLearner.Listener.NONE, Clock.systemUTC());
        for (int i = 0; i < batch - 1; i++) { // no step yet: nothing to refuse
            learner.train(new Example("m", "t", new float[] {1, -1, 0.5f}, i % 2, Example.Split.TRAIN, null));
        }
        assertThatThrownBy(() -> learner.train(new Example("m", "t", new float[] {1, -1, 0.5f}, 1, Example.Split.TRAIN, null)))
                .isInstanceOf(DivergedException.class).hasMessageContaining("diverged");
    }
}
