package io.engram.bench;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.consolidate.Consolidators;
import io.engram.consolidate.KroneckerFactors;
import io.engram.consolidate.KroneckerLaplace;
import io.engram.config.LabelMode;
import io.engram.consolidate.Samples;
import io.engram.data.FashionMnist;
import io.engram.data.ProtocolRunner;
import io.engram.evaluate.MetricsSink;
import io.engram.learn.Example;
import io.engram.network.Activation;
import io.engram.learn.ContinualLearner;
import io.engram.network.JvmMlp;
import io.engram.learn.LearnerSettings;
import io.engram.network.MlpSpec;
import io.engram.learn.VersionSink;
import java.io.DataInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code ./engram bench timings}: a K-FAC consolidation of the 784-100-100-10 network (factors
 * over 1000 examples, then the damped eigendecompositions) and a checkpoint and restore of a MER +
 * K-FAC learner with a full 5120-example buffer, each repeated, medians printed.
 */
public final class Timings {

    private Timings() {
    }

    @picocli.CommandLine.Command(name = "engram bench timings", mixinStandardHelpOptions = true,
            description = "K-FAC consolidation and checkpoint write/restore times, medians of repeated runs.")
    static final class Options implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @picocli.CommandLine.Option(names = "--repeats", defaultValue = "5", description = "timed runs of each (default: ${DEFAULT-VALUE})")
        int repeats;

        @Override
        public Integer call() throws Exception {
            if (repeats < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--repeats must be at least 1, found " + repeats);
            }
            measure(repeats);
            return 0;
        }
    }

    public static void main(String[] args) {
        io.engram.command.Commands.run(new Options(), args);
    }

    static void measure(int repeats) throws Exception {
        MlpSpec spec = new MlpSpec(784, List.of(100, 100), 10, Activation.RELU);
        FashionMnist data = FashionMnist.installed(FashionMnist.DEBIAN_PATH) ? FashionMnist.load(FashionMnist.DEBIAN_PATH)
                : FashionMnist.synthetic(12_000, 1_000, 7);
        float[] params = JvmMlp.initialParameters(spec, 1);
        Samples samples = new Samples() {
            @Override
            public int count() {
                return 1000;
            }

            @Override
            public float[] array(int i) {
                return data.trainImages()[i];
            }

            @Override
            public int offset(int i) {
                return 0;
            }

            @Override
            public int label(int i) {
                return data.trainLabels()[i];
            }
        };
        List<Double> factors = new ArrayList<>();
        List<Double> eigen = new ArrayList<>();
        for (int r = 0; r <= repeats; r++) { // the first run initialises ND4J and is not counted
            long t0 = System.nanoTime();
            KroneckerFactors f = KroneckerFactors.estimate(spec, params, samples, LabelMode.SAMPLED, new SplittableRandom(r));
            long t1 = System.nanoTime();
            KroneckerLaplace laplace = new KroneckerLaplace(10, 0.001);
            laplace.add(f);
            laplace.prior();
            long t2 = System.nanoTime();
            if (r > 0) {
                factors.add((t1 - t0) / 1e6);
                eigen.add((t2 - t1) / 1e6);
            }
        }
        System.out.printf("K-FAC consolidation: factors %.0f ms + eigendecompositions %.0f ms (medians of %d)%n",
                median(factors), median(eigen), repeats);

        LearnerSettings settings = ProtocolRunner.settings(spec, LearnerMethod.MER, 5120, 1, 10, 1)
                .withConsolidation(new Consolidators.Settings(ConsolidationMethod.KFAC, 10, 0.001, 0.9, LabelMode.SAMPLED, 1000, 2));
        ContinualLearner learner = new ContinualLearner("m", settings, MetricsSink.NONE, VersionSink.NONE,
                ContinualLearner.Listener.NONE, Clock.systemUTC());
        for (int i = 0; i < 6000; i++) {
            String task = "t" + (i / 3000);
            Example e = new Example("m", task, data.trainImages()[i], data.trainLabels()[i],
                    i % 6 == 0 ? Example.Split.EVAL : Example.Split.TRAIN, null);
            if (e.split() == Example.Split.EVAL) {
                learner.keepForEvaluation(e);
            } else {
                learner.train(e);
            }
            if (i == 2999) {
                learner.endTask("t0");
            }
        }
        List<Double> write = new ArrayList<>();
        List<Double> restore = new ArrayList<>();
        long bytes = 0;
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream(1 << 24);
            try (java.io.DataOutputStream out = new java.io.DataOutputStream(buffer)) {
                learner.writeState(out); // what a snapshot on engram.state carries for this model
            }
            long t1 = System.nanoTime();
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(buffer.toByteArray()));
            ContinualLearner restored = new ContinualLearner("m", settings, MetricsSink.NONE, VersionSink.NONE,
                    ContinualLearner.Listener.NONE, Clock.systemUTC());
            restored.readState(in, r);
            long t2 = System.nanoTime();
            write.add((t1 - t0) / 1e6);
            restore.add((t2 - t1) / 1e6);
            bytes = buffer.size();
        }
        System.out.printf("Snapshot of a MER + K-FAC learner, 5120-example buffer (serialise, read back): write %.0f ms, restore %.0f ms "
                + "(medians of %d), %d MB%n",
                median(write), median(restore), repeats, bytes >> 20);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
