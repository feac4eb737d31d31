package io.engram.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.consolidate.Consolidators;
import io.engram.config.LabelMode;
import io.engram.evaluate.MetricsSink;
import io.engram.learn.Example;
import io.engram.network.Activation;
import io.engram.learn.ContinualLearner;
import io.engram.network.Kernel;
import io.engram.learn.LearnerSettings;
import io.engram.network.MlpSpec;
import io.engram.learn.VersionSink;
import io.engram.replay.ReplayPolicy;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** A learner's whole state survives a checkpoint: predictions, counts, matrix and prior; checkpoints of earlier formats are refused. */
class LearnerStateTest {

    static LearnerSettings settings(LearnerMethod method, ConsolidationMethod consolidation, int batch) {
        return new LearnerSettings(new MlpSpec(6, List.of(8), 3, Activation.RELU), 7, method, 0.05f, batch, 50, 5,
                ReplayPolicy.CLASS_BALANCED, 0.1f, 1f, 2, Kernel.JVM,
                new Consolidators.Settings(consolidation, 5, 0.01, 0.9, LabelMode.SAMPLED, 40, 8),
                new LearnerSettings.EvaluationSettings(30, 50, 0, 0));
    }

    static ContinualLearner learner(LearnerSettings settings) {
        return new ContinualLearner("m", settings, MetricsSink.NONE, VersionSink.NONE, ContinualLearner.Listener.NONE, Clock.systemUTC());
    }

    /** Two tasks with eval sets and a task end, then a third begun: state in every part of the learner. */
    static void feed(ContinualLearner learner, long seed, int examples) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < examples; i++) {
            String task = "t" + (i * 3 / examples);
            int c = random.nextInt(3);
            float[] x = new float[6];
            for (int d = 0; d < 6; d++) {
                x[d] = (float) (random.nextGaussian() * 0.3 + (d % 3 == c ? 1 : 0));
            }
            boolean eval = i % 5 == 0;
            Example e = new Example("m", task, x, c, eval ? Example.Split.EVAL : Example.Split.TRAIN, null);
            if (eval) {
                learner.keepForEvaluation(e);
            } else {
                learner.train(e);
            }
            if ((i + 1) % (examples / 3) == 0 && i + 1 < examples) {
                learner.endTask(task);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"MER, KFAC, 1", "ER, EWC, 3", "ONLINE, ONLINE_EWC, 2", "ER, NONE, 1"})
    void stateSurvivesACheckpoint(LearnerMethod method, ConsolidationMethod consolidation, int batch) throws Exception {
        LearnerSettings settings = settings(method, consolidation, batch);
        ContinualLearner original = learner(settings);
        feed(original, 3, 301);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        original.writeState(new DataOutputStream(bytes));

        ContinualLearner restored = learner(settings);
        restored.readState(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 99);
        assertThat(restored.status()).isEqualTo(original.status());
        float[] x = {0.2f, 1.1f, -0.3f, 0.0f, 0.9f, 0.4f};
        assertThat(restored.predict(x)).containsExactly(original.predict(x));

        // both continue identically in what does not draw random numbers: a task end evaluates the same matrix
        java.io.ByteArrayOutputStream again = new java.io.ByteArrayOutputStream();
        restored.writeState(new DataOutputStream(again));
        assertThat(again.toByteArray()).isEqualTo(bytes.toByteArray());
    }

    /** A payload that is not a sectioned state (as a format-2 payload would be) is refused by the learner itself. */
    @Test
    void payloadOfAnEarlierFormat_isRefusedByTheLearner_withAMessageSayingSo() throws Exception {
        byte[] payload;
        try (DataInputStream in = new DataInputStream(Files.newInputStream(Path.of("src/test/resources/checkpoints/learner-v2.bin")))) {
            in.skipNBytes(8 + 4 + 8 + 8);
            assertThat(in.readUTF()).isEqualTo("m");
            payload = in.readAllBytes();
        }
        ContinualLearner learner = learner(settings(LearnerMethod.MER, ConsolidationMethod.KFAC, 1));
        assertThatThrownBy(() -> learner.readState(new DataInputStream(new ByteArrayInputStream(payload)), 1))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("not a sectioned state")
                .hasMessageContaining("checkpoint format 1 or 2");
    }
}
