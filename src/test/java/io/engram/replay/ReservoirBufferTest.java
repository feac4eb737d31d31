package io.engram.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class ReservoirBufferTest {

    private static final int INPUT = 3;

    /** What the reference model remembers of one added example. */
    private record Item(float first, int label, int task) {
    }

    private static float[] example(long id) {
        return new float[] {id, -id, id * 0.5f};
    }

    @ParameterizedTest
    @EnumSource(ReplayPolicy.class)
    void randomOperations_matchAPlainListAtEveryStep(ReplayPolicy policy) {
        SplittableRandom ops = new SplittableRandom(1234);
        ReservoirBuffer buffer = new ReservoirBuffer(37, INPUT, policy, 99);
        List<Item> model = new ArrayList<>();
        int[] drawn = new int[64];
        for (long id = 1; id <= 3000; id++) {
            if (ops.nextInt(4) == 0) {
                int k = 1 + ops.nextInt(50);
                int n = buffer.sample(k, drawn);
                assertThat(n).isEqualTo(Math.min(k, model.size()));
                Set<Integer> distinct = new HashSet<>();
                for (int i = 0; i < n; i++) {
                    assertThat(drawn[i]).isBetween(0, model.size() - 1);
                    distinct.add(drawn[i]);
                }
                assertThat(distinct).as("sample without replacement").hasSize(n);
            }
            int label = ops.nextInt(10) < 7 ? 0 : 1 + ops.nextInt(4); // imbalanced classes
            int task = (int) (id / 500);
            int slot = buffer.add(example(id), 0, label, task);
            if (slot >= 0) {
                assertThat(slot).isLessThanOrEqualTo(model.size());
                Item item = new Item(id, label, task);
                if (slot == model.size()) {
                    model.add(item);
                } else {
                    model.set(slot, item);
                }
            }
            assertThat(buffer.size()).isEqualTo(model.size()).isEqualTo((int) Math.min(id, 37));
            for (int s = 0; s < model.size(); s++) {
                Item item = model.get(s);
                assertThat(row(buffer, s)[0]).isEqualTo(item.first());
                assertThat(row(buffer, s)[1]).isEqualTo(-item.first());
                assertThat(buffer.label(s)).isEqualTo(item.label());
                assertThat(buffer.task(s)).isEqualTo(item.task());
            }
        }
        assertThat(buffer.seen()).isEqualTo(3000);
    }

    @Test
    void reservoir_keepsEveryExampleWithEqualProbability() {
        // 1000 examples into 50 slots, 400 runs: each example should stay with probability 1/20.
        int stream = 1000;
        int capacity = 50;
        int runs = 400;
        int buckets = 10;
        long[] kept = new long[buckets];
        for (int run = 0; run < runs; run++) {
            ReservoirBuffer buffer = new ReservoirBuffer(capacity, 1, ReplayPolicy.RESERVOIR, 1000 + run);
            for (int id = 0; id < stream; id++) {
                buffer.add(new float[] {id}, 0, 0, 0);
            }
            for (int s = 0; s < capacity; s++) {
                kept[(int) row(buffer, s)[0] * buckets / stream]++;
            }
        }
        double expected = (double) capacity * runs / buckets;
        double chiSquare = 0;
        for (long k : kept) {
            chiSquare += (k - expected) * (k - expected) / expected;
        }
        // chi-square with 9 degrees of freedom: 27.88 is its 99.9th percentile
        assertThat(chiSquare).as("chi-square of retention by arrival decile %s", java.util.Arrays.toString(kept)).isLessThan(27.88);
    }

    @Test
    void sample_drawsEverySlotWithEqualProbability() {
        ReservoirBuffer buffer = new ReservoirBuffer(40, 1, ReplayPolicy.RESERVOIR, 5);
        for (int id = 0; id < 40; id++) {
            buffer.add(new float[] {id}, 0, 0, 0);
        }
        long[] counts = new long[40];
        int[] drawn = new int[10];
        int draws = 20_000;
        for (int i = 0; i < draws; i++) {
            int n = buffer.sample(10, drawn);
            for (int j = 0; j < n; j++) {
                counts[drawn[j]]++;
            }
        }
        double expected = draws * 10 / 40.0;
        double chiSquare = 0;
        for (long c : counts) {
            chiSquare += (c - expected) * (c - expected) / expected;
        }
        // 39 degrees of freedom: 72.05 is the 99.9th percentile
        assertThat(chiSquare).isLessThan(72.05);
    }

    @Test
    void classBalanced_evenOutsAnImbalancedStream() {
        ReservoirBuffer buffer = new ReservoirBuffer(100, 1, ReplayPolicy.CLASS_BALANCED, 3);
        SplittableRandom random = new SplittableRandom(8);
        for (int id = 0; id < 20_000; id++) {
            int label = random.nextInt(100) < 91 ? 0 : 1 + random.nextInt(3); // 91% class 0, 3% each other
            buffer.add(new float[] {id}, 0, label, 0);
        }
        int[] perClass = new int[4];
        for (int s = 0; s < buffer.size(); s++) {
            perClass[buffer.label(s)]++;
        }
        for (int c = 0; c < 4; c++) {
            assertThat(perClass[c]).as("class %d of %s", c, java.util.Arrays.toString(perClass)).isBetween(24, 26);
        }
        ReservoirBuffer plain = new ReservoirBuffer(100, 1, ReplayPolicy.RESERVOIR, 3);
        random = new SplittableRandom(8);
        for (int id = 0; id < 20_000; id++) {
            plain.add(new float[] {id}, 0, random.nextInt(100) < 91 ? 0 : 1 + random.nextInt(3), 0);
        }
        int plainZero = 0;
        for (int s = 0; s < plain.size(); s++) {
            plainZero += plain.label(s) == 0 ? 1 : 0;
        }
        assertThat(plainZero).as("plain reservoir keeps the imbalance").isGreaterThan(75);
    }

    @Test
    void taskBalanced_keepsOldTasksWhenNewOnesAreLong() {
        ReservoirBuffer buffer = new ReservoirBuffer(90, 1, ReplayPolicy.TASK_BALANCED, 4);
        int[] lengths = {100, 100, 5000};
        int id = 0;
        for (int task = 0; task < 3; task++) {
            for (int i = 0; i < lengths[task]; i++) {
                buffer.add(new float[] {id++}, 0, 0, task);
            }
        }
        int[] perTask = new int[3];
        for (int s = 0; s < buffer.size(); s++) {
            perTask[buffer.task(s)]++;
        }
        assertThat(perTask).containsExactly(30, 30, 30);
    }

    @ParameterizedTest
    @EnumSource(ReplayPolicy.class)
    void writeAndRead_restoreContentsAndKeepWorking(ReplayPolicy policy) throws Exception {
        ReservoirBuffer buffer = new ReservoirBuffer(20, INPUT, policy, 11);
        for (int id = 0; id < 150; id++) {
            buffer.add(example(id), 0, id % 3, id / 50);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        buffer.writeTo(new DataOutputStream(bytes));
        ReservoirBuffer read = ReservoirBuffer.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 12);
        assertThat(read.size()).isEqualTo(buffer.size());
        assertThat(read.seen()).isEqualTo(150);
        assertThat(read.policy()).isEqualTo(policy);
        for (int s = 0; s < buffer.size(); s++) {
            assertThat(read.label(s)).isEqualTo(buffer.label(s));
            assertThat(read.task(s)).isEqualTo(buffer.task(s));
            assertThat(row(read, s)[0]).isEqualTo(row(buffer, s)[0]);
        }
        for (int id = 150; id < 400; id++) {
            read.add(example(id), 0, id % 3, 3);
        }
        assertThat(read.size()).isEqualTo(20);
    }

    @Test
    void storage_isCapacityTimesInputPlusOneFloats() {
        ReservoirBuffer buffer = new ReservoirBuffer(5120, 784, ReplayPolicy.RESERVOIR, 1);
        assertThat(buffer.storageBytes()).isEqualTo(5120L * 785 * 4);
        assertThat(buffer.rows().capacity()).isEqualTo(5120);
        assertThat(buffer.rows().width()).isEqualTo(784);
    }

    /**
     * The buffer's state section is the same bytes whichever kernel holds its rows: the heap, or
     * the ND4J network's device rows; and a device buffer restored from it holds the same rows and
     * writes the same bytes again.
     */
    @ParameterizedTest
    @EnumSource(ReplayPolicy.class)
    void stateSection_isTheSameBytes_onTheHeapAndOnTheNd4jDevice(ReplayPolicy policy) throws Exception {
        io.engram.network.MlpSpec spec = new io.engram.network.MlpSpec(INPUT, java.util.List.of(4), 3,
                io.engram.network.Activation.RELU);
        io.engram.network.Nd4jMlp nd4j = new io.engram.network.Nd4jMlp(spec, 1, 5L);
        ReservoirBuffer heap = new ReservoirBuffer(20, INPUT, policy, 7);
        ReservoirBuffer device = new ReservoirBuffer(nd4j.rows(20), policy, 7);
        for (int id = 0; id < 300; id++) {
            heap.add(example(id), 0, id % 3, id / 100);
            device.add(example(id), 0, id % 3, id / 100);
        }
        byte[] heapBytes = state(heap);
        assertThat(state(device)).isEqualTo(heapBytes);

        ReservoirBuffer restored = new ReservoirBuffer(nd4j.rows(20), policy, 7);
        java.io.DataInputStream in = new java.io.DataInputStream(new ByteArrayInputStream(heapBytes));
        restored.restore(new io.engram.state.Sections.Reader(in), 7);
        for (int s = 0; s < heap.size(); s++) {
            assertThat(row(restored, s)).as("slot %d", s).containsExactly(row(heap, s));
        }
        assertThat(state(restored)).isEqualTo(heapBytes);
    }

    private static byte[] state(ReservoirBuffer buffer) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        io.engram.state.Sections.Writer writer = new io.engram.state.Sections.Writer(new DataOutputStream(bytes));
        buffer.writeState(writer);
        writer.end();
        return bytes.toByteArray();
    }

    /** A copy of the inputs of slot {@code s}. */
    static float[] row(ReservoirBuffer buffer, int s) {
        float[] x = new float[buffer.inputSize()];
        buffer.inputs(s, 1, x, 0);
        return x;
    }
}
