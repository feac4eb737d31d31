package io.engram.bench;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.consolidate.Consolidators;
import io.engram.config.LabelMode;
import io.engram.data.ProtocolRunner;
import io.engram.evaluate.MetricsSink;
import io.engram.learn.Example;
import io.engram.network.Activation;
import io.engram.learn.ContinualLearner;
import io.engram.learn.LearnerSettings;
import io.engram.network.MlpSpec;
import io.engram.learn.VersionSink;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Heap per model at the service's defaults, at its bounds: a MER + K-FAC learner (784-100-100-10,
 * 5120-example buffer) after a consolidation, with its evaluation sets full
 * ({@code engram.evaluation.max-examples} = 10000). {@code ./engram bench memory [--models N]}.
 */
public final class Memory {

    private Memory() {
    }

    @picocli.CommandLine.Command(name = "engram bench memory", mixinStandardHelpOptions = true,
            description = "Heap per model at the service's defaults, at its bounds.")
    static final class Options implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--models", defaultValue = "8", description = "models to build (default: ${DEFAULT-VALUE})")
        int models;

        @Override
        public Integer call() throws Exception {
            measure(models);
            return 0;
        }
    }

    public static void main(String[] args) {
        io.engram.command.Commands.run(new Options(), args);
    }

    static void measure(int models) throws Exception {
        MlpSpec spec = new MlpSpec(784, List.of(100, 100), 10, Activation.RELU);
        LearnerSettings settings = ProtocolRunner.settings(spec, LearnerMethod.MER, 5120, 1, null, 1)
                .withConsolidation(new Consolidators.Settings(ConsolidationMethod.KFAC,
                        Consolidators.defaultLambda(ConsolidationMethod.KFAC, LearnerMethod.MER), 0.001, 0.9, LabelMode.SAMPLED, 1000, 2));
        settings = new LearnerSettings(settings.spec(), settings.seed(), settings.method(), settings.learningRate(), settings.batchSize(),
                settings.replayCapacity(), settings.replayBatch(), settings.replayPolicy(), settings.merBeta(), settings.merGamma(),
                settings.merBatches(), settings.kernel(), settings.consolidation(),
                new LearnerSettings.EvaluationSettings(1000, 1000, 0, 0, 10_000, 256, 20, 0));
        SplittableRandom random = new SplittableRandom(3);
        long before = usedAfterGc();
        List<ContinualLearner> kept = new ArrayList<>();
        for (int m = 0; m < models; m++) {
            ContinualLearner learner = new ContinualLearner("m" + m, settings, MetricsSink.NONE, VersionSink.NONE,
                    ContinualLearner.Listener.NONE, Clock.systemUTC());
            for (int i = 0; i < 10_000; i++) {
                learner.keepForEvaluation(new Example("m" + m, "t" + (i % 10), image(random), random.nextInt(10), Example.Split.EVAL, null));
            }
            for (int i = 0; i < 20; i++) {
                learner.train(new Example("m" + m, "t0", image(random), random.nextInt(10), Example.Split.TRAIN, null));
            }
            learner.endTask("t0");
            kept.add(learner);
            System.out.printf("%d model(s): heap %.1f MB%n", m + 1, (usedAfterGc() - before) / 1e6);
        }
        long after = usedAfterGc();
        System.out.printf("Heap per model (MER + K-FAC, 784-100-100-10, buffer 5120, 10000 eval examples): %.1f MB (%d models, %.1f MB)%n",
                (after - before) / 1e6 / models, kept.size(), (after - before) / 1e6);
    }

    private static float[] image(SplittableRandom random) {
        float[] x = new float[784];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextDouble() < 0.3 ? (float) random.nextDouble() : 0f;
        }
        return x;
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
