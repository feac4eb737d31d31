package io.engram.learn;

import io.engram.network.Activation;
import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.Kernel;
import io.engram.network.MlpSpec;
import io.engram.network.Network;
import io.engram.network.Prior;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.engram.replay.ReplayPolicy;
import io.engram.replay.ReservoirBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TrainingMethodsTest {

    private static final MlpSpec SPEC = new MlpSpec(5, List.of(4), 3, Activation.TANH);

    private static float[] params(Network network) {
        float[] p = new float[network.spec().parameterCount()];
        network.parameters(p);
        return p;
    }

    @Test
    void mer_withOneBatchOfOneAndUnitRates_isOneSgdStep() {
        float[] x = {0.3f, -0.2f, 0.9f, 0.1f, -0.5f};
        JvmMlp merNet = new JvmMlp(SPEC, 1, 77);
        JvmMlp sgdNet = new JvmMlp(SPEC, 1, 77);
        ReservoirBuffer buffer = new ReservoirBuffer(10, 5, ReplayPolicy.RESERVOIR, 1);
        buffer.add(new float[] {1, 1, 1, 1, 1}, 0, 2, 0); // not drawn: k−1 = 0
        new MetaExperienceReplay(merNet, buffer, 0.1f, 1f, 1f, 1, 0).observe(x, 0, 1, 0);
        sgdNet.step(new Batch(1).add(x, 0, 1), 0.1f);
        float[] mer = params(merNet);
        float[] sgd = params(sgdNet);
        for (int i = 0; i < mer.length; i++) {
            assertThat(mer[i]).isCloseTo(sgd[i], within(1e-7f));
        }
        assertThat(buffer.size()).as("the current example is offered to the buffer after learning").isEqualTo(2);
    }

    /**
     * MER with the prior's step deferred to once per example: with s = 1, k = 1 and unit Reptile
     * rates it is one data step then one proximal step of size α, which is the per-step prior's step.
     */
    @Test
    void mer_withTheDeferredPrior_isTheStepWithThePrior_forOneStepPerExample() {
        float[] x = {0.3f, -0.2f, 0.9f, 0.1f, -0.5f};
        JvmMlp deferredNet = new JvmMlp(SPEC, 1, 81);
        JvmMlp eachNet = new JvmMlp(SPEC, 1, 81);
        ReservoirBuffer buffer = new ReservoirBuffer(10, 5, ReplayPolicy.RESERVOIR, 1);
        MetaExperienceReplay deferred = new MetaExperienceReplay(deferredNet, buffer, 0.1f, 1f, 1f, 1, 0, true);
        float[] anchor = params(deferredNet);
        float[] curvature = new float[anchor.length];
        java.util.Arrays.fill(curvature, 30f);
        deferredNet.setPrior(new Prior.Diagonal(anchor, curvature));
        eachNet.setPrior(new Prior.Diagonal(anchor.clone(), curvature));
        for (int i = 0; i < 3; i++) {
            deferred.observe(x, 0, 1, 0);
            eachNet.step(new Batch(1).add(x, 0, 1), 0.1f);
        }
        float[] a = params(deferredNet);
        float[] b = params(eachNet);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).isCloseTo(b[i], within(1e-6f));
        }
        assertThat(deferred.hyperparameters()).containsEntry("prior_step", "once per example");
        assertThat(new MetaExperienceReplay(new JvmMlp(SPEC, 1, 82), buffer, 0.03f, 0.03f, 1f, 10, 100).hyperparameters())
                .as("MER's default s·k = 1010 defers").containsEntry("prior_step", "once per example");
        assertThat(new MetaExperienceReplay(new JvmMlp(SPEC, 1, 83), buffer, 0.03f, 0.03f, 1f, 10, 10).hyperparameters())
                .containsEntry("prior_step", "every step");
    }

    /** A deferred K-FAC prior survives a checkpoint: the restored learner predicts and learns exactly as the original. */
    @Test
    void merWithADeferredKfacPrior_survivesACheckpoint() throws java.io.IOException {
        MlpSpec spec = new MlpSpec(10, List.of(8), 3, Activation.RELU);
        LearnerSettings settings = new LearnerSettings(spec, 3, io.engram.config.LearnerMethod.MER, 0.03f, 1, 100, 63,
                ReplayPolicy.RESERVOIR, 0.03f, 1f, 4, Kernel.JVM,
                new io.engram.consolidate.Consolidators.Settings(io.engram.config.ConsolidationMethod.KFAC, 1, 0.001, 0.9,
                        io.engram.config.LabelMode.SAMPLED, 50, 4),
                LearnerSettings.EvaluationSettings.DEFAULT);
        LearningCore core = settings.build();
        assertThat(core.describe()).containsEntry("prior_step", "once per example");
        int[] labels = new int[200];
        float[][] x = blobs(200, 5, labels);
        for (int i = 0; i < 100; i++) {
            core.observe(x[i], 0, labels[i], 0);
        }
        core.endTask(0);
        for (int i = 100; i < 130; i++) {
            core.observe(x[i], 0, labels[i], 1);
        }
        LearningCore restored = settings.build();
        CoreState.read(restored, CoreState.write(core), 9);
        CoreState.read(core.buffer(), CoreState.write(core.buffer()), 9);
        float[] a = params(core.network());
        float[] b = params(restored.network());
        assertThat(b).containsExactly(a);
        for (int i = 130; i < 160; i++) {
            core.observe(x[i], 0, labels[i], 1);
            restored.observe(x[i], 0, labels[i], 1);
        }
        assertThat(params(restored.network())).as("both go on identically, the prior included").containsExactly(params(core.network()));
    }

    @Test
    void mer_reptileInterpolations_matchAHandComputation() {
        float[] x = {0.3f, -0.2f, 0.9f, 0.1f, -0.5f};
        float[] stored = {-0.4f, 0.8f, 0.0f, 0.6f, 0.2f};
        float alpha = 0.2f;
        float beta = 0.5f;
        float gamma = 0.3f;
        JvmMlp merNet = new JvmMlp(SPEC, 1, 78);
        ReservoirBuffer buffer = new ReservoirBuffer(10, 5, ReplayPolicy.RESERVOIR, 1);
        buffer.add(stored, 0, 0, 0); // one example: every replay draw takes it
        new MetaExperienceReplay(merNet, buffer, alpha, beta, gamma, 2, 1).observe(x, 0, 2, 0);

        // by hand: θ_A0; twice { θ_W0; SGD on current; SGD on stored; θ = θ_W0 + β(θ − θ_W0) }; θ = θ_A0 + γ(θ − θ_A0)
        JvmMlp hand = new JvmMlp(SPEC, 1, 78);
        double[] a0 = toDouble(params(hand));
        for (int b = 0; b < 2; b++) {
            double[] w0 = toDouble(params(hand));
            hand.step(new Batch(1).add(x, 0, 2), alpha);
            hand.step(new Batch(1).add(stored, 0, 0), alpha);
            double[] theta = toDouble(params(hand));
            float[] next = new float[theta.length];
            for (int i = 0; i < theta.length; i++) {
                next[i] = (float) (w0[i] + beta * (theta[i] - w0[i]));
            }
            hand.setParameters(next);
        }
        double[] theta = toDouble(params(hand));
        float[] mer = params(merNet);
        for (int i = 0; i < mer.length; i++) {
            double expected = a0[i] + gamma * (theta[i] - a0[i]);
            assertThat((double) mer[i]).as("θ[%d]", i).isCloseTo(expected, within(1e-6));
        }
    }

    @Test
    void er_isOneStepOnIncomingPlusReplay() {
        float[] x = {0.3f, -0.2f, 0.9f, 0.1f, -0.5f};
        float[] stored = {-0.4f, 0.8f, 0.0f, 0.6f, 0.2f};
        JvmMlp erNet = new JvmMlp(SPEC, 2, 79);
        ReservoirBuffer buffer = new ReservoirBuffer(10, 5, ReplayPolicy.RESERVOIR, 1);
        buffer.add(stored, 0, 0, 0);
        float loss = new ExperienceReplay(erNet, buffer, 0.1f, 1, 1).observe(x, 0, 2, 0);
        JvmMlp manual = new JvmMlp(SPEC, 2, 79);
        float expectedLoss = manual.step(new Batch(2).add(x, 0, 2).add(stored, 0, 0), 0.1f);
        assertThat(loss).isEqualTo(expectedLoss);
        assertThat(params(erNet)).containsExactly(params(manual));
        assertThat(buffer.size()).isEqualTo(2);
    }

    @Test
    void online_stepsOnlyWhenTheMinibatchIsFull() {
        JvmMlp net = new JvmMlp(SPEC, 3, 80);
        ReservoirBuffer buffer = new ReservoirBuffer(10, 5, ReplayPolicy.RESERVOIR, 1);
        ExperienceReplay online = ExperienceReplay.online(net, buffer, 0.1f, 3);
        float[] before = params(net);
        assertThat(online.observe(new float[] {1, 0, 0, 0, 0}, 0, 0, 0)).isNaN();
        assertThat(online.observe(new float[] {0, 1, 0, 0, 0}, 0, 1, 0)).isNaN();
        assertThat(params(net)).containsExactly(before);
        assertThat(online.flush()).as("a task boundary learns the partial minibatch").isNotNaN();
        assertThat(params(net)).isNotEqualTo(before);
        assertThat(buffer.size()).isEqualTo(2);
    }

    /** Three Gaussian blobs in 10 dimensions: any working learner separates them. */
    private static float[][] blobs(int n, long seed, int[] labels) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] x = new float[n][10];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(3);
            labels[i] = c;
            for (int d = 0; d < 10; d++) {
                x[i][d] = (float) (random.nextGaussian() * 0.5 + (d % 3 == c ? 1.5 : 0.0));
            }
        }
        return x;
    }

    @Test
    void everyMethod_learnsASeparableStreamWellAboveChance() {
        MlpSpec spec = new MlpSpec(10, List.of(16), 3, Activation.RELU);
        int[] trainLabels = new int[600];
        float[][] train = blobs(600, 1, trainLabels);
        int[] testLabels = new int[300];
        float[][] test = blobs(300, 2, testLabels);
        for (String name : List.of("online", "er", "mer")) {
            JvmMlp net = new JvmMlp(spec, 32, 3);
            ReservoirBuffer buffer = new ReservoirBuffer(100, 10, ReplayPolicy.RESERVOIR, 4);
            TrainingMethod method = switch (name) {
                case "online" -> ExperienceReplay.online(net, buffer, 0.1f, 1);
                case "er" -> new ExperienceReplay(net, buffer, 0.1f, 1, 10);
                default -> new MetaExperienceReplay(net, buffer, 0.03f, 0.03f, 1f, 10, 10);
            };
            for (int i = 0; i < train.length; i++) {
                method.observe(train[i], 0, trainLabels[i], 0);
            }
            method.flush();
            int correct = 0;
            float[] p = new float[3];
            for (int i = 0; i < test.length; i++) {
                net.predict(test[i], 0, p);
                int argmax = p[0] >= p[1] && p[0] >= p[2] ? 0 : p[1] >= p[2] ? 1 : 2;
                correct += argmax == testLabels[i] ? 1 : 0;
            }
            assertThat(correct / 300.0).as("%s accuracy (chance 0.33)", name).isGreaterThan(0.9);
        }
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
