package io.engram.learn;

import io.engram.network.Activation;
import io.engram.network.Kernel;
import io.engram.network.MlpSpec;
import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.consolidate.Consolidators;
import io.engram.config.LabelMode;
import io.engram.evaluate.MetricsSink;
import io.engram.replay.ReplayPolicy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;

/** Small learners with state in every section, their state as bytes, and restores, for the state tests. */
final class LearnerStates {

    private LearnerStates() {
    }

    /**
     * A learner of {@code spec} with a class-balanced buffer of {@code capacity}, minibatches of
     * {@code batch}, a recent window and consolidation sample of {@code samples}, evaluation sets of
     * at most 30 per task and a prequential window of 8.
     */
    static LearnerSettings settings(MlpSpec spec, LearnerMethod method, ConsolidationMethod consolidation, int batch, int capacity,
            int samples) {
        return new LearnerSettings(spec, 7, method, 0.05f, batch, capacity, 3, ReplayPolicy.CLASS_BALANCED, 0.1f, 1f, 2,
                Kernel.JVM, new Consolidators.Settings(consolidation, 5, 0.01, 0.9, LabelMode.SAMPLED, samples, 8),
                new LearnerSettings.EvaluationSettings(30, 8, 0, 0));
    }

    static ContinualLearner learner(LearnerSettings settings) {
        return new ContinualLearner("m", settings, MetricsSink.NONE, VersionSink.NONE, ContinualLearner.Listener.NONE,
                Clock.systemUTC());
    }

    /**
     * {@code examples} examples over {@code tasks} tasks (every fifth kept for evaluation), each
     * task but the last ended: a matrix row per ended task, a prior, pending version triggers, and
     * the last task begun with a partial minibatch when {@code examples} leaves one.
     */
    static void feed(ContinualLearner learner, long seed, int examples, int tasks) {
        SplittableRandom random = new SplittableRandom(seed);
        int inputs = learner.core().network().spec().inputSize();
        int classes = learner.core().network().spec().classes();
        int perTask = examples / tasks;
        for (int i = 0; i < examples; i++) {
            String task = "t" + Math.min(tasks - 1, i / perTask);
            int c = random.nextInt(classes);
            float[] x = new float[inputs];
            for (int d = 0; d < inputs; d++) {
                x[d] = (float) (random.nextGaussian() * 0.3 + (d % classes == c ? 1 : 0));
            }
            boolean eval = i % 5 == 0;
            Example e = new Example("m", task, x, c, eval ? Example.Split.EVAL : Example.Split.TRAIN, null);
            if (eval) {
                learner.keepForEvaluation(e);
            } else {
                learner.train(e);
            }
            if ((i + 1) % perTask == 0 && (i + 1) / perTask < tasks) {
                learner.endTask(task);
            }
        }
    }

    /**
     * {@code n} train examples of the last task "t2" labelled 0, then {@code n} labelled 1: the
     * prequential error falls, then rises, so a drift detector alarms; then 40 of random labels, so
     * its window holds errors and successes.
     */
    static void feedDrift(ContinualLearner learner, int n) {
        SplittableRandom random = new SplittableRandom(6);
        int inputs = learner.core().network().spec().inputSize();
        for (int i = 0; i < 2 * n + 40; i++) {
            float[] x = new float[inputs];
            for (int d = 0; d < inputs; d++) {
                x[d] = (float) (random.nextGaussian() * 0.3);
            }
            int label = i < n ? 0 : i < 2 * n ? 1 : random.nextInt(2);
            learner.train(new Example("m", "t2", x, label, Example.Split.TRAIN, null));
        }
    }

    static byte[] write(ContinualLearner learner) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        learner.writeState(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    static ContinualLearner restore(LearnerSettings settings, byte[] state, long seed) throws IOException {
        ContinualLearner learner = learner(settings);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
        learner.readState(in, seed);
        if (in.read() != -1) {
            throw new AssertionError("the learner did not read its whole state");
        }
        return learner;
    }

    static final MlpSpec SPEC = new MlpSpec(6, List.of(8), 3, Activation.RELU);
}
