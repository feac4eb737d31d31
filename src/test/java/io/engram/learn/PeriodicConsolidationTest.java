package io.engram.learn;

import io.engram.network.Activation;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import io.engram.network.Network;
import static org.assertj.core.api.Assertions.assertThat;

import io.engram.consolidate.Consolidator;
import io.engram.consolidate.Samples;
import io.engram.replay.ReplayPolicy;
import io.engram.replay.ReservoirBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Consolidation every N examples without task ends: each example is consolidated exactly once. */
class PeriodicConsolidationTest {

    private static final int D = 4;

    /** Records the example numbers (the first input coordinate) of each consolidation's samples. */
    private static final class Recording implements Consolidator {
        final List<List<Integer>> calls = new ArrayList<>();

        @Override
        public Report consolidate(Network network, Samples samples) {
            List<Integer> numbers = new ArrayList<>();
            for (int i = 0; i < samples.count(); i++) {
                numbers.add((int) samples.array(i)[samples.offset(i)]);
            }
            calls.add(numbers);
            return new Report(0, samples.count(), new long[0]);
        }

        @Override
        public void writeState(io.engram.state.Sections.Writer state) {
        }

        @Override
        public void readState(io.engram.state.Sections.Reader state, Network network, float[] effective) {
        }

        @Override
        public Map<String, Object> describe() {
            return Map.of();
        }
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int n = from; n < to; n++) {
            out.add(n);
        }
        return out;
    }

    @Test
    void everyNExamples_consolidatesEachExampleOnce_andTheTaskEndTheRest() {
        MlpSpec spec = new MlpSpec(D, List.of(5), 3, Activation.RELU);
        JvmMlp network = new JvmMlp(spec, 1, 1L);
        ReservoirBuffer buffer = new ReservoirBuffer(500, D, ReplayPolicy.RESERVOIR, 2);
        Recording consolidator = new Recording();
        LearningCore core = new LearningCore(network, buffer, ExperienceReplay.online(network, buffer, 0.01f, 1), consolidator,
                new RecentWindow(100, D), LearnerSettings.Outliers.OFF, 40);
        for (int n = 0; n < 100; n++) {
            core.observe(new float[] {n, 0.5f, -0.5f, 1f}, 0, n % 3, 0);
        }
        assertThat(consolidator.calls).containsExactly(range(0, 40), range(40, 80));
        core.endTask(0);
        assertThat(consolidator.calls).as("the task end: the examples since the last period, none from the buffer again")
                .containsExactly(range(0, 40), range(40, 80), range(80, 100));
        for (int n = 100; n < 130; n++) {
            core.observe(new float[] {n, 0.5f, -0.5f, 1f}, 0, n % 3, 1);
        }
        assertThat(consolidator.calls).as("30 examples of task 1 since the task end: no period yet").hasSize(3);
    }
}
