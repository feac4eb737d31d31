package io.engram.bench;

import io.engram.network.Activation;
import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import io.engram.network.Nd4jMlp;
import io.engram.network.Network;
import io.engram.network.Transfers;
import io.engram.learn.ExperienceReplay;
import io.engram.learn.MetaExperienceReplay;
import io.engram.learn.TrainingMethod;
import io.engram.replay.ReplayPolicy;
import io.engram.replay.ReservoirBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The device check behind {@code bench/device-check.sh}: which ND4J backend and device are in use
 * (it says so when no GPU is found), whether the ND4J network follows the JVM kernel over a few
 * hundred steps, and step times of both for the default network and a wide one
 * (784-1000-1000-10): single-example step µs, MER examples/s (s·k = 110 single-example steps an
 * example, the Reptile interpolations left out) and ER examples/s at 10, 100 and 1000 incoming
 * examples a step (as many replayed: a step of 2b rows). Medians of 5 timed runs. Then the learning
 * methods themselves with their rehearsal buffer (5,120 rows, on the ND4J kernel's device): online
 * (batch 1), ER (batch 10 + 10 replayed), MER (s = 10, k = 11) examples/s of 784-100-100-10, and
 * the ND4J network's host↔device transfers per step (scalar, bulk up, bulk down) in each.
 */
public final class DeviceCheck {

    private static final int EQUIVALENCE_STEPS = 300;

    private DeviceCheck() {
    }

    @picocli.CommandLine.Command(name = "bench/device-check.sh", mixinStandardHelpOptions = true,
            description = "The GPU path's check: backend, equivalence with the JVM kernel, step times.")
    static final class Options implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--quick", description = "shorter timings (about a fifth of the work)")
        boolean quick;

        @Override
        public Integer call() {
            return check(quick);
        }
    }

    public static void main(String[] args) {
        io.engram.command.Commands.run(new Options(), args);
    }

    static int check(boolean quick) {
        String backend = Nd4j.getBackend().getClass().getSimpleName();
        int devices = Nd4j.getAffinityManager().getNumberOfDevices();
        boolean gpu = backend.toLowerCase().contains("cuda") || backend.toLowerCase().contains("jcublas");
        System.out.printf("ND4J backend %s, %d device(s)%n", backend, devices);
        if (!gpu) {
            System.out.println("No GPU found: the ND4J figures below are the ND4J CPU backend, beside Engram's JVM kernel.");
        }
        MlpSpec small = new MlpSpec(784, List.of(100, 100), 10, Activation.RELU);
        MlpSpec wide = new MlpSpec(784, List.of(1000, 1000), 10, Activation.RELU);

        double worst = equivalence(small);
        System.out.printf("Equivalence, %d single-example steps of 784-100-100-10: max |ND4J - JVM| over the parameters %.2e %s%n",
                EQUIVALENCE_STEPS, worst, worst < 1e-3 ? "(ok)" : "(FAILED: more than 1e-3)");

        System.out.printf("%n%-18s %-6s %14s %14s %14s %14s %14s%n", "network", "kernel", "step µs (b=1)", "MER ex/s",
                "ER b=10 ex/s", "ER b=100 ex/s", "ER b=1000 ex/s");
        for (MlpSpec spec : List.of(small, wide)) {
            for (String kernel : List.of("jvm", "nd4j")) {
                double single = stepMicros(spec, kernel, 1, quick);
                double mer = 1e6 / (110 * single);
                List<String> er = new ArrayList<>();
                for (int b : new int[] {10, 100, 1000}) {
                    er.add(String.format("%,14.0f", b * 1e6 / stepMicros(spec, kernel, 2 * b, quick)));
                }
                System.out.printf("%-18s %-6s %14.1f %,14.0f %s %s %s%n", describe(spec), kernel, single, mer, er.get(0), er.get(1), er.get(2));
            }
        }
        System.out.printf("%nLearning methods on 784-100-100-10, rehearsal buffer of %d rows (device rows on ND4J), sync-every %d%n",
                BUFFER, Nd4jMlp.DEFAULT_SYNC_EVERY);
        System.out.printf("%-22s %-6s %12s %16s %16s %16s%n", "method", "kernel", "examples/s", "scalar/step", "uploads/step",
                "downloads/step");
        for (String method : List.of("online b=1", "er b=10 r=10", "mer s=10 k=11")) {
            for (String kernel : List.of("jvm", "nd4j")) {
                learnerRow(small, method, kernel, quick);
            }
        }
        return worst >= 1e-3 ? 1 : 0;
    }

    private static final int BUFFER = 5120;

    /** Examples/s of one learning method (median of the timed runs) and, on ND4J, its transfers per step. */
    static void learnerRow(MlpSpec spec, String method, String kernel, boolean quick) {
        float[] initial = JvmMlp.initialParameters(spec, 3);
        int maxBatch = method.startsWith("er") ? 20 : 1;
        Network network = network(spec, kernel, maxBatch, initial);
        ReservoirBuffer buffer = new ReservoirBuffer(network.rows(BUFFER), ReplayPolicy.RESERVOIR, 5);
        SplittableRandom random = new SplittableRandom(5);
        float[][] inputs = new float[256][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = input(random, spec.inputSize());
        }
        for (int i = 0; i < BUFFER; i++) {
            buffer.add(inputs[i % inputs.length], 0, i % spec.classes(), 0);
        }
        TrainingMethod learner = switch (method) {
            case "online b=1" -> ExperienceReplay.online(network, buffer, 1e-4f, 1);
            case "er b=10 r=10" -> new ExperienceReplay(network, buffer, 1e-4f, 10, 10);
            default -> new MetaExperienceReplay(network, buffer, 1e-4f, 0.03f, 1f, 10, 10);
        };
        int stepsPerExample = method.startsWith("mer") ? 110 : 1;
        int base = method.startsWith("mer") ? (quick ? 20 : 60) : method.startsWith("er") ? (quick ? 500 : 2000) : (quick ? 300 : 1000);
        int examples = kernel.equals("jvm") ? 10 * base : base; // the JVM kernel's runs take as long
        int[] seen = {0};
        Runnable run = () -> {
            for (int i = 0; i < examples; i++) {
                learner.observe(inputs[seen[0] % inputs.length], 0, seen[0] % spec.classes(), 0);
                seen[0]++;
            }
        };
        run.run(); // warm-up
        Transfers.Counts before = network instanceof Nd4jMlp n ? n.transfers().counts() : null;
        double[] runs = new double[quick ? 3 : 5];
        for (int r = 0; r < runs.length; r++) {
            long t0 = System.nanoTime();
            run.run();
            runs[r] = examples / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(runs);
        if (before != null) {
            Transfers.Counts during = ((Nd4jMlp) network).transfers().counts().since(before);
            double steps = (double) runs.length * examples * stepsPerExample / (method.startsWith("er") ? 10 : 1);
            System.out.printf("%-22s %-6s %,12.0f %16.3f %16.3f %16.3f%n", method, kernel, runs[runs.length / 2],
                    during.scalars() / steps, during.uploads() / steps, during.downloads() / steps);
            return;
        }
        System.out.printf("%-22s %-6s %,12.0f %16s %16s %16s%n", method, kernel, runs[runs.length / 2], "-", "-", "-");
    }

    private static String describe(MlpSpec spec) {
        int[] sizes = spec.sizes();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < sizes.length; i++) {
            s.append(i == 0 ? "" : "-").append(sizes[i]);
        }
        return s.toString();
    }

    private static Network network(MlpSpec spec, String kernel, int maxBatch, float[] parameters) {
        return kernel.equals("jvm") ? new JvmMlp(spec, maxBatch, parameters) : new Nd4jMlp(spec, maxBatch, parameters);
    }

    /** Both networks from the same parameters, the same single-example steps: the largest parameter difference. */
    static double equivalence(MlpSpec spec) {
        float[] initial = new float[spec.parameterCount()];
        new JvmMlp(spec, 1, 7).parameters(initial);
        Network jvm = network(spec, "jvm", 1, initial.clone());
        Network nd4j = network(spec, "nd4j", 1, initial.clone());
        SplittableRandom random = new SplittableRandom(11);
        Batch batch = new Batch(1);
        for (int s = 0; s < EQUIVALENCE_STEPS; s++) {
            float[] x = input(random, spec.inputSize());
            int y = random.nextInt(spec.classes());
            jvm.step(batch.clear().add(x, 0, y), 0.01f);
            nd4j.step(batch.clear().add(x, 0, y), 0.01f);
        }
        float[] a = new float[spec.parameterCount()];
        float[] b = new float[spec.parameterCount()];
        jvm.parameters(a);
        nd4j.parameters(b);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    /** Median µs of one step on a batch of {@code rows}. */
    static double stepMicros(MlpSpec spec, String kernel, int rows, boolean quick) {
        float[] initial = new float[spec.parameterCount()];
        new JvmMlp(spec, 1, 3).parameters(initial);
        Network network = network(spec, kernel, rows, initial);
        SplittableRandom random = new SplittableRandom(5);
        List<float[]> inputs = new ArrayList<>();
        for (int r = 0; r < Math.min(rows, 256); r++) {
            inputs.add(input(random, spec.inputSize()));
        }
        Batch batch = new Batch(rows);
        for (int r = 0; r < rows; r++) {
            batch.add(inputs.get(r % inputs.size()), 0, r % spec.classes());
        }
        long flops = (long) rows * spec.parameterCount() * 6;
        int steps = (int) Math.max(2, Math.min(2000, (quick ? 2e8 : 1e9) / flops));
        for (int i = 0; i < steps; i++) {
            network.step(batch, 1e-4f); // warm-up
        }
        double[] runs = new double[quick ? 3 : 5];
        for (int r = 0; r < runs.length; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                network.step(batch, 1e-4f);
            }
            runs[r] = (System.nanoTime() - t0) / 1e3 / steps;
        }
        Arrays.sort(runs);
        return runs[runs.length / 2];
    }

    private static float[] input(SplittableRandom random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = random.nextDouble() < 0.3 ? (float) random.nextDouble() : 0f;
        }
        return x;
    }
}
