package io.engram.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.engram.consolidate.Samples;
import io.engram.replay.ReplayPolicy;
import io.engram.replay.ReservoirBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What consolidation estimates the Fisher on: each example of the ended task once. */
class RecentWindowTest {

    private static final int D = 4;

    /** Example n: distinct inputs (n, n+0.5, ...), label n mod 3. */
    private static float[] x(int n) {
        return new float[] {n, n + 0.5f, -n, n * 2f};
    }

    private static void add(RecentWindow window, ReservoirBuffer buffer, int from, int to, int task) {
        for (int n = from; n < to; n++) {
            window.add(x(n), 0, n % 3);
            buffer.add(x(n), 0, n % 3, task);
        }
    }

    /** The example numbers of the samples, in order. */
    private static List<Integer> numbers(Samples samples) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < samples.count(); i++) {
            float first = samples.array(i)[samples.offset(i)];
            int n = (int) first;
            assertThat(Arrays.copyOfRange(samples.array(i), samples.offset(i), samples.offset(i) + D)).containsExactly(x(n));
            assertThat(samples.label(i)).isEqualTo(n % 3);
            out.add(n);
        }
        return out;
    }

    @Test
    void aTaskShorterThanTheWindow_countsEachOfItsBufferedExamplesOnce() {
        RecentWindow window = new RecentWindow(100, D);
        ReservoirBuffer buffer = new ReservoirBuffer(500, D, ReplayPolicy.RESERVOIR, 1);
        add(window, buffer, 0, 30, 0);
        List<Integer> samples = numbers(window.withBufferShare(buffer, 0));
        assertThat(samples).hasSize(30).doesNotHaveDuplicates(); // every example is in the window and in the buffer
    }

    @Test
    void aResumedTask_addsItsEarlierBufferedExamples_once() {
        RecentWindow window = new RecentWindow(100, D);
        ReservoirBuffer buffer = new ReservoirBuffer(500, D, ReplayPolicy.RESERVOIR, 2);
        add(window, buffer, 0, 30, 0);
        window.clear(); // task 0 ends
        add(window, buffer, 30, 50, 1);
        window.clear(); // task 1 ends
        add(window, buffer, 50, 60, 0); // task 0 again
        List<Integer> samples = numbers(window.withBufferShare(buffer, 0));
        Set<Integer> expected = new HashSet<>();
        for (int n = 0; n < 30; n++) {
            expected.add(n);
        }
        for (int n = 50; n < 60; n++) {
            expected.add(n);
        }
        assertThat(samples).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
        assertThat(samples.subList(0, 10)).as("the window first").containsExactly(50, 51, 52, 53, 54, 55, 56, 57, 58, 59);
    }

    @Test
    void aTaskLongerThanTheWindow_isTheWindowAlone() {
        RecentWindow window = new RecentWindow(100, D);
        ReservoirBuffer buffer = new ReservoirBuffer(500, D, ReplayPolicy.RESERVOIR, 3);
        add(window, buffer, 0, 150, 0);
        List<Integer> samples = numbers(window.withBufferShare(buffer, 0));
        assertThat(samples).hasSize(100).doesNotHaveDuplicates();
        assertThat(samples).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(50));
    }
}
