package io.engram.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LabelMode;
import io.engram.consolidate.Consolidators;
import io.engram.consolidate.Samples;
import io.engram.network.Activation;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import io.engram.network.Nd4jMlp;
import io.engram.network.Network;
import io.engram.network.Transfers;
import io.engram.replay.ReplayPolicy;
import io.engram.replay.ReservoirBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The learning methods on the ND4J kernel, with the rehearsal buffer and the pending minibatch in
 * its device rows: the same parameters as on the JVM kernel (heap rows, the same draws), and no
 * scalar host↔device transfer in any step, counted by the network's {@link Transfers}: only the
 * readout every {@code sync-every} steps comes down; up go a step's incoming rows (MER: each
 * example once), the indices of a replay gather, and the examples the buffer keeps.
 */
class Nd4jTrainingTest {

    private static final MlpSpec SPEC = new MlpSpec(20, List.of(16, 8), 4, Activation.RELU);
    private static final int SYNC_EVERY = 7;
    private static final int PER_TASK = 60;

    @ParameterizedTest(name = "{0}, prior {1}")
    @CsvSource({"online, none", "er, none", "mer, none", "online, kfac", "er, kfac", "mer, kfac", "mer-deferred, kfac",
            "er, ncl", "mer, ewc"})
    void deviceBuffer_matchesTheJvmKernel_withoutScalarTransfers(String method, String prior) {
        float[] initial = JvmMlp.initialParameters(SPEC, 3);
        Run jvm = new Run(new JvmMlp(SPEC, 10, initial), method);
        Nd4jMlp nd4j = new Nd4jMlp(SPEC, 10, initial, SYNC_EVERY);
        Run device = new Run(nd4j, method);
        float[] stream = examples(2 * PER_TASK, 9);

        jvm.learn(stream, 0, 0);
        device.learn(stream, 0, 0);
        if (!prior.equals("none")) {
            jvm.consolidate(prior, stream);
            device.consolidate(prior, stream);
        }
        long stepsBefore = device.steps;
        Transfers.Counts before = nd4j.transfers().counts();
        jvm.learn(stream, PER_TASK, 1);
        device.learn(stream, PER_TASK, 1);
        Transfers.Counts during = nd4j.transfers().counts().since(before);

        assertThat(during.scalars()).as("scalar transfers in %d steps", device.steps - stepsBefore).isZero();
        long reads = device.steps / SYNC_EVERY - stepsBefore / SYNC_EVERY;
        assertThat(reads).as("reads in the run").isPositive();
        assertThat(during.downloads()).as("downloads: the readout every %d steps", SYNC_EVERY).isEqualTo(reads);
        long steps = device.steps - stepsBefore;
        if (method.startsWith("mer")) {
            assertThat(during.uploads()).as("uploads: each incoming example once (the buffer copies it on the device)")
                    .isEqualTo(PER_TASK);
        } else {
            // each step's incoming rows in one upload, ER's replay indices, and each example the buffer keeps
            long indices = method.equals("er") ? steps : 0;
            assertThat(during.uploads()).as("uploads in %d steps", steps).isBetween(steps, steps + indices + PER_TASK);
        }

        float[] a = new float[SPEC.parameterCount()];
        float[] b = new float[SPEC.parameterCount()];
        jvm.network.parameters(a);
        nd4j.parameters(b);
        double moved = 0;
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).as("θ[%d]", i).isCloseTo(a[i], within(2e-4f));
            moved += Math.abs(a[i] - initial[i]);
        }
        assertThat(moved).as("the run moved the parameters").isGreaterThan(0.5);
        assertThat(nd4j.isFinite()).isTrue();
    }

    /** One network with its buffer and method. */
    private static final class Run {
        final Network network;
        final ReservoirBuffer buffer;
        final TrainingMethod method;
        final String kind;
        long steps;

        Run(Network network, String method) {
            this.network = network;
            this.buffer = new ReservoirBuffer(network.rows(40), ReplayPolicy.RESERVOIR, 17);
            this.method = switch (method) {
                case "online" -> ExperienceReplay.online(network, buffer, 0.05f, 1);
                case "er" -> new ExperienceReplay(network, buffer, 0.05f, 5, 5);
                case "mer" -> new MetaExperienceReplay(network, buffer, 0.05f, 0.3f, 1f, 2, 4, false);
                default -> new MetaExperienceReplay(network, buffer, 0.05f, 0.3f, 1f, 2, 4, true);
            };
            this.kind = method;
        }

        void learn(float[] stream, int from, int task) {
            for (int i = from; i < from + PER_TASK; i++) {
                // MER: s batches of the current example and up to k − 1 drawn rows; online: one step an example
                steps += kind.startsWith("mer") ? 2 * (1 + Math.min(4, buffer.size())) : kind.equals("online") ? 1 : 0;
                method.observe(stream, i * SPEC.inputSize(), label(i), task);
            }
            if (kind.equals("er")) {
                steps += PER_TASK / 5; // a step per full minibatch of 5
            }
        }

        void consolidate(String prior, float[] stream) {
            ConsolidationMethod kind = switch (prior) {
                case "kfac" -> ConsolidationMethod.KFAC;
                case "ncl" -> ConsolidationMethod.NCL;
                default -> ConsolidationMethod.EWC;
            };
            Consolidators.create(SPEC, new Consolidators.Settings(kind, 50, 0.1, 1, LabelMode.EMPIRICAL, PER_TASK, 5))
                    .consolidate(network, samples(stream));
        }
    }

    private static int label(int i) {
        return (i * 7 + i / 3) % SPEC.classes();
    }

    private static Samples samples(float[] stream) {
        return new Samples() {
            @Override
            public int count() {
                return PER_TASK;
            }

            @Override
            public float[] array(int i) {
                return stream;
            }

            @Override
            public int offset(int i) {
                return i * SPEC.inputSize();
            }

            @Override
            public int label(int i) {
                return Nd4jTrainingTest.label(i);
            }
        };
    }

    private static float[] examples(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[count * SPEC.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        return x;
    }
}
