package io.engram.learn;

import io.engram.network.Activation;
import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.consolidate.Consolidators;
import io.engram.config.LabelMode;
import io.engram.data.FashionMnist;
import io.engram.data.ProtocolRunner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's absurd input, driven through the learner classes: MER + K-FAC at their default
 * settings (buffer 5120, k−1 = 100, s = 10, α = 0.03; λ, damping, Fisher samples of the service),
 * 784-100-100-10, Fashion-MNIST when installed (else the benchmarks' synthetic stand-in). 1,500
 * normal examples, then one train record of unscaled pixels (0..255), then 500 normal ones; final
 * accuracy on 2,000 test images against the same stream without the record. The record is the first
 * of the stream, from example 1,500 on, whose unscaled image the model gets wrong: an unscaled image
 * it already gets right has a saturated softmax and a zero gradient at first, and does its harm
 * later, from the rehearsal buffer. The 1,500-example prefix is learned once and forked through the
 * learner's checkpoint state.
 */
class UnscaledRecordTest {

    private static final MlpSpec SPEC = new MlpSpec(784, List.of(100, 100), 10, Activation.RELU);
    private static final int PREFIX = 1500;
    private static final int AFTER = 500;
    private static final int TEST = 2000;

    private static LearnerSettings defaults(LearnerSettings.Outliers outliers) {
        LearnerMethod mer = LearnerMethod.MER;
        return ProtocolRunner.settings(SPEC, mer, 5120, 1, null, 42)
                .withConsolidation(new Consolidators.Settings(ConsolidationMethod.KFAC,
                        Consolidators.defaultLambda(ConsolidationMethod.KFAC, mer), 0.001, 0.9, LabelMode.SAMPLED, 1000, 59))
                .withOutliers(outliers);
    }

    private static double accuracy(LearningCore core, FashionMnist data) {
        float[] p = new float[SPEC.parameterCount()];
        core.network().parameters(p);
        JvmMlp net = new JvmMlp(SPEC, 100, p);
        int[] classes = new int[100];
        int correct = 0;
        for (int from = 0; from < TEST; from += 100) {
            Batch batch = new Batch(100);
            for (int r = 0; r < 100; r++) {
                batch.add(data.testImages()[from + r], 0, 0);
            }
            net.classify(batch, classes);
            for (int r = 0; r < 100; r++) {
                correct += classes[r] == data.testLabels()[from + r] ? 1 : 0;
            }
        }
        return correct / (double) TEST;
    }

    private static double maxAbs(LearningCore core) {
        float[] p = new float[SPEC.parameterCount()];
        core.network().parameters(p);
        double max = 0;
        for (float v : p) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static LearningCore fork(byte[] state, LearnerSettings.Outliers outliers) throws IOException {
        LearningCore core = defaults(outliers).build();
        CoreState.read(core, state, 7);
        return core;
    }

    private static void learn(LearningCore core, FashionMnist data, int from, int to) {
        for (int i = from; i < to; i++) {
            core.observe(data.trainImages()[i], 0, data.trainLabels()[i], 0);
        }
    }

    @Test
    void oneUnscaledRecord_costsLessThanFivePointsOfAccuracy_withTheDefaults() throws IOException {
        FashionMnist data = FashionMnist.installed(FashionMnist.DEBIAN_PATH) ? FashionMnist.load(FashionMnist.DEBIAN_PATH)
                : FashionMnist.synthetic(PREFIX + AFTER + 1000, TEST, 3);
        LearningCore prefix = defaults(LearnerSettings.Outliers.DEFAULT).build();
        learn(prefix, data, 0, PREFIX);
        byte[] state = CoreState.write(prefix);

        // the record: the first image from PREFIX on whose unscaled version the model gets wrong
        float[] probabilities = new float[10];
        int at = PREFIX;
        float[] bad = new float[784];
        while (true) {
            for (int i = 0; i < 784; i++) {
                bad[i] = data.trainImages()[at][i] * 255f;
            }
            prefix.network().predict(bad, 0, probabilities);
            int argmax = 0;
            for (int c = 1; c < 10; c++) {
                argmax = probabilities[c] > probabilities[argmax] ? c : argmax;
            }
            if (argmax != data.trainLabels()[at]) {
                break;
            }
            at++;
        }
        int badLabel = data.trainLabels()[at];
        int resume = at + 1;

        LearningCore clean = fork(state, LearnerSettings.Outliers.DEFAULT);
        learn(clean, data, resume, resume + AFTER);
        double cleanAccuracy = accuracy(clean, data);

        LearningCore guarded = fork(state, LearnerSettings.Outliers.DEFAULT);
        assertThatThrownBy(() -> guarded.observe(bad, 0, badLabel, 0)).isInstanceOf(OutlierException.class);
        learn(guarded, data, resume, resume + AFTER);
        double guardedAccuracy = accuracy(guarded, data);

        LearnerSettings.Outliers clipOnly = new LearnerSettings.Outliers(LearnerSettings.Outliers.DEFAULT.clipNorm(), 0f, 100);
        LearningCore clipped = fork(state, clipOnly);
        clipped.observe(bad, 0, badLabel, 0);
        learn(clipped, data, resume, resume + AFTER);
        double clippedAccuracy = accuracy(clipped, data);

        LearningCore unguarded = fork(state, LearnerSettings.Outliers.OFF);
        unguarded.observe(bad, 0, badLabel, 0);
        learn(unguarded, data, resume, resume + AFTER);
        double unguardedAccuracy = accuracy(unguarded, data);

        System.out.printf("UnscaledRecordTest (%s, record = train image %d ×255, label %d): accuracy after %d + 1 + %d examples:"
                        + " without the record %.4f (max|w| %.3f); defaults (guard %s, clip %s) %.4f (max|w| %.3f);"
                        + " clipping only %.4f (max|w| %.3f); neither %.4f (max|w| %.3f)%n",
                FashionMnist.installed(FashionMnist.DEBIAN_PATH) ? "Fashion-MNIST" : "synthetic stand-in", at, badLabel, PREFIX, AFTER,
                cleanAccuracy, maxAbs(clean), LearnerSettings.Outliers.DEFAULT.spikeGuard(), LearnerSettings.Outliers.DEFAULT.clipNorm(),
                guardedAccuracy, maxAbs(guarded), clippedAccuracy, maxAbs(clipped), unguardedAccuracy, maxAbs(unguarded));
        assertThat(guardedAccuracy).as("refused before any change: the same run as without the record").isEqualTo(cleanAccuracy);
        assertThat(Math.abs(guardedAccuracy - cleanAccuracy)).isLessThan(0.05);
        assertThat(cleanAccuracy).as("the stream is learned").isGreaterThan(0.6);
        assertThat(maxAbs(clipped)).as("clipping alone keeps the weights finite").isFinite();
    }
}
