package io.engram.learn;

import io.engram.network.JvmMlp;
import io.engram.network.Kernel;
import io.engram.network.MlpSpec;
import io.engram.network.Nd4jMlp;
import io.engram.network.Network;
import io.engram.config.EngramConfig;
import io.engram.consolidate.Consolidators;
import io.engram.evaluate.DriftDetector;
import io.engram.config.LearnerMethod;
import io.engram.replay.ReplayPolicy;
import io.engram.replay.ReservoirBuffer;

/**
 * Everything needed to build a model's network, buffer and training method, with docs/algorithms.md's
 * defaults resolved. Free of Quarkus, so benchmarks build learners the same way the service does.
 */
public record LearnerSettings(MlpSpec spec, long seed, LearnerMethod method, float learningRate, int batchSize,
        int replayCapacity, int replayBatch, ReplayPolicy replayPolicy, float merBeta, float merGamma, int merBatches, Kernel kernel,
        Consolidators.Settings consolidation, EvaluationSettings evaluation, Outliers outliers, DriftDetector.Settings drift,
        int nd4jSyncEvery) {

    /** The settings with the ND4J kernel's default {@code sync-every} ({@link Nd4jMlp#DEFAULT_SYNC_EVERY}). */
    public LearnerSettings(MlpSpec spec, long seed, LearnerMethod method, float learningRate, int batchSize,
            int replayCapacity, int replayBatch, ReplayPolicy replayPolicy, float merBeta, float merGamma, int merBatches, Kernel kernel,
            Consolidators.Settings consolidation, EvaluationSettings evaluation, Outliers outliers, DriftDetector.Settings drift) {
        this(spec, seed, method, learningRate, batchSize, replayCapacity, replayBatch, replayPolicy, merBeta, merGamma, merBatches,
                kernel, consolidation, evaluation, outliers, drift, Nd4jMlp.DEFAULT_SYNC_EVERY);
    }

    /** The settings without a drift detector ({@link DriftDetector.Settings#OFF}). */
    public LearnerSettings(MlpSpec spec, long seed, LearnerMethod method, float learningRate, int batchSize,
            int replayCapacity, int replayBatch, ReplayPolicy replayPolicy, float merBeta, float merGamma, int merBatches, Kernel kernel,
            Consolidators.Settings consolidation, EvaluationSettings evaluation, Outliers outliers) {
        this(spec, seed, method, learningRate, batchSize, replayCapacity, replayBatch, replayPolicy, merBeta, merGamma, merBatches,
                kernel, consolidation, evaluation, outliers, DriftDetector.Settings.OFF);
    }

    /** The settings without {@link Outliers}: they take {@link Outliers#DEFAULT}. */
    public LearnerSettings(MlpSpec spec, long seed, LearnerMethod method, float learningRate, int batchSize,
            int replayCapacity, int replayBatch, ReplayPolicy replayPolicy, float merBeta, float merGamma, int merBatches, Kernel kernel,
            Consolidators.Settings consolidation, EvaluationSettings evaluation) {
        this(spec, seed, method, learningRate, batchSize, replayCapacity, replayBatch, replayPolicy, merBeta, merGamma, merBatches,
                kernel, consolidation, evaluation, Outliers.DEFAULT);
    }

    /**
     * What bounds one absurd example: per-example gradient clipping in every step (0 = off) and the
     * spike guard ({@code spikeGuard} 0 = off), which refuses an example far beyond the recent ones
     * once {@code spikeGuardWarmup} examples of the current task were accepted.
     */
    public record Outliers(float clipNorm, float spikeGuard, int spikeGuardWarmup) {
        /**
         * Clip norm 50: per-example gradient norms of MER on Fashion-MNIST (784-100-100-10, 1,500
         * examples) had median 0.30, 99th percentile 41 and maximum 61, unscaled (0..255) images
         * 1,500 to 12,000. Guard factor 10, warm-up 100: see {@link SpikeGuard}.
         */
        public static final Outliers DEFAULT = new Outliers(50f, 10f, 100);
        /** Neither clipping nor the guard. */
        public static final Outliers OFF = new Outliers(0f, 0f, 100);
    }

    /**
     * Evaluation and versions of each model: eval set sizes, prequential window, periodic events,
     * the task bound, the window of the matrix shown in events, how versions are folded.
     *
     * @param maxExamples eval examples kept over all tasks of the model
     * @param maxTasks tasks a model may have
     * @param matrixWindow tasks shown in full in each event
     * @param publishMinIntervalMillis triggers within this interval of the last version fold into one
     */
    public record EvaluationSettings(int maxPerTask, int prequentialWindow, int everyExamples, int publishEveryExamples,
            int maxExamples, int maxTasks, int matrixWindow, long publishMinIntervalMillis) {
        public static final EvaluationSettings DEFAULT = new EvaluationSettings(1000, 1000, 0, 0);

        public EvaluationSettings(int maxPerTask, int prequentialWindow, int everyExamples, int publishEveryExamples) {
            this(maxPerTask, prequentialWindow, everyExamples, publishEveryExamples, 10_000, 256, 20, 0);
        }
    }

    /**
     * docs/algorithms.md: MER α .03, ER α .1. Plain SGD on single examples diverged at .1 on permuted
     * Fashion-MNIST (784 inputs in [0, 1]: one step moves a first-layer pre-activation by about
     * α·|x|² ≈ 10); of .03, .01 and .003 on 4 tasks, .01 learned best (BENCHMARKS.md).
     */
    public static float defaultLearningRate(LearnerMethod method) {
        return switch (method) {
            case MER -> 0.03f;
            case ER -> 0.1f;
            case ONLINE -> 0.01f;
        };
    }

    /**
     * docs/algorithms.md, the official scripts for MNIST permutations: MER k−1 = 100, 25, 10 for buffers
     * 5120, 500, 200; ER 25, 10, 10.
     */
    public static int defaultReplayBatch(LearnerMethod method, int capacity) {
        if (method == LearnerMethod.MER) {
            return capacity >= 5120 ? 100 : capacity >= 500 ? 25 : 10;
        }
        return capacity >= 5120 ? 25 : 10;
    }

    public static LearnerSettings from(EngramConfig config) {
        EngramConfig.Model model = config.model();
        EngramConfig.Learner learner = config.learner();
        MlpSpec spec = new MlpSpec(model.inputSize(), model.hidden(), model.classes(), model.activation());
        LearnerMethod method = learner.method();
        return new LearnerSettings(spec, model.seed(), method,
                (float) learner.learningRate().orElse(defaultLearningRate(method)),
                learner.batchSize(), learner.replayCapacity(),
                learner.replayBatch().orElse(defaultReplayBatch(method, learner.replayCapacity())),
                learner.replayPolicy(), (float) learner.mer().beta(), (float) learner.mer().gamma(), learner.mer().batches(),
                learner.kernel(), consolidation(config), new EvaluationSettings(config.evaluation().maxPerTask(),
                        config.evaluation().prequentialWindow(), config.evaluation().everyExamples(),
                        config.publish().everyExamples(), config.evaluation().maxExamples(), learner.maxTasks(),
                        config.evaluation().matrixWindow(), config.publish().minInterval().toMillis()),
                new Outliers((float) learner.clipNorm(), (float) learner.spikeGuard(), learner.spikeGuardWarmup()),
                new DriftDetector.Settings(config.evaluation().drift().detector(), config.evaluation().drift().delta(),
                        config.evaluation().drift().minExamples()), learner.nd4j().syncEvery());
    }

    static Consolidators.Settings consolidation(EngramConfig config) {
        EngramConfig.Consolidation c = config.consolidation();
        return new Consolidators.Settings(c.method(), c.lambda().orElse(Consolidators.defaultLambda(c.method(), config.learner().method())),
                c.damping().orElse(Consolidators.defaultDamping(c.method())), c.decay(), c.labelMode(), c.samples(), config.model().seed() + 17, c.everyExamples());
    }

    /** The same settings with another step size. */
    public LearnerSettings withLearningRate(float rate) {
        return new LearnerSettings(spec, seed, method, rate, batchSize, replayCapacity, replayBatch, replayPolicy,
                merBeta, merGamma, merBatches, kernel, consolidation, evaluation, outliers, drift, nd4jSyncEvery);
    }

    /** The same settings with another consolidation. */
    public LearnerSettings withConsolidation(Consolidators.Settings other) {
        return new LearnerSettings(spec, seed, method, learningRate, batchSize, replayCapacity, replayBatch, replayPolicy,
                merBeta, merGamma, merBatches, kernel, other, evaluation, outliers, drift, nd4jSyncEvery);
    }

    /** The same settings with other outlier bounds. */
    public LearnerSettings withOutliers(Outliers other) {
        return new LearnerSettings(spec, seed, method, learningRate, batchSize, replayCapacity, replayBatch, replayPolicy,
                merBeta, merGamma, merBatches, kernel, consolidation, evaluation, other, drift, nd4jSyncEvery);
    }

    /** The same settings with another drift detector. */
    public LearnerSettings withDrift(DriftDetector.Settings other) {
        return new LearnerSettings(spec, seed, method, learningRate, batchSize, replayCapacity, replayBatch, replayPolicy,
                merBeta, merGamma, merBatches, kernel, consolidation, evaluation, outliers, other, nd4jSyncEvery);
    }

    /** The largest batch a step sees. */
    int maxBatch() {
        return method == LearnerMethod.MER ? 1 : batchSize + (method == LearnerMethod.ER ? replayBatch : 0);
    }

    /** A fresh network, buffer, method and consolidator. */
    public LearningCore build() {
        Network network = kernel.resolve() == Kernel.ND4J
                ? new Nd4jMlp(spec, maxBatch(), JvmMlp.initialParameters(spec, seed), nd4jSyncEvery)
                : new JvmMlp(spec, maxBatch(), seed);
        ReservoirBuffer buffer = new ReservoirBuffer(network.rows(replayCapacity), replayPolicy, seed ^ 0x5DEECE66DL);
        TrainingMethod training = switch (method) {
            case ONLINE -> ExperienceReplay.online(network, buffer, learningRate, batchSize);
            case ER -> new ExperienceReplay(network, buffer, learningRate, batchSize, replayBatch);
            case MER -> new MetaExperienceReplay(network, buffer, learningRate, merBeta, merGamma, merBatches, replayBatch);
        };
        return new LearningCore(network, buffer, training, Consolidators.create(spec, consolidation),
                new RecentWindow(consolidation.method() == io.engram.config.ConsolidationMethod.NONE ? 0 : consolidation.samples(),
                        spec.inputSize()), outliers, consolidation.everyExamples());
    }
}
