package io.engram.learn;

import io.engram.network.Activation;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.state.StateFrames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * A trained learner of every method and consolidation, restored from its state, equals the
 * original in every section, compared exactly through the live objects (parameters, buffer rows,
 * minibatch, window, prior, evaluation sets, matrix cells, prequential window, counters, pending
 * triggers); and a damaged state (a section of an unknown version, an unknown section, a short or
 * a long section, a state of other settings) is refused naming the section.
 */
class StateRoundTripTest {

    static Stream<Arguments> everyMethod() {
        return Arrays.stream(LearnerMethod.values())
                .flatMap(m -> Arrays.stream(ConsolidationMethod.values()).map(c -> Arguments.of(m, c)));
    }

    private static LearnerSettings settings(LearnerMethod method, ConsolidationMethod consolidation) {
        return LearnerStates.settings(LearnerStates.SPEC, method, consolidation, 4, 40, 30);
    }

    private static ContinualLearner trained(LearnerSettings settings) {
        ContinualLearner learner = LearnerStates.learner(settings);
        LearnerStates.feed(learner, 3, 303, 3);
        return learner;
    }

    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("everyMethod")
    void trainedLearner_restored_equalsTheOriginalInEverySection(LearnerMethod method, ConsolidationMethod consolidation)
            throws IOException {
        LearnerSettings settings = settings(method, consolidation);
        ContinualLearner original = trained(settings);
        byte[] state = LearnerStates.write(original);
        Map<String, String> expected = LearnerText.of(original);
        // the state is not trivially empty: every part holds something
        assertThat(original.core().buffer().size()).isPositive();
        assertThat(original.evaluation().matrix().rows()).hasSize(2);
        assertThat(original.pendingTriggers()).containsExactly("task_end:t0", "task_end:t1");
        assertThat(original.core().window().size()).isEqualTo(consolidation == ConsolidationMethod.NONE ? 0 : 30);
        if (method != LearnerMethod.MER) {
            assertThat(((ExperienceReplay) original.core().method()).incoming().size()).as("a partial minibatch").isPositive();
        }

        ContinualLearner restored = LearnerStates.restore(settings, state, 99);

        List<StateFrames.Frame> frames = StateFrames.split(state);
        assertThat(frames).extracting(StateFrames.Frame::name).as("the sections written are the sections compared")
                .containsExactlyElementsOf(expected.keySet());
        boolean rotated = rotatedUnderThePrior(original);
        Map<String, String> actual = LearnerText.of(restored);
        for (String section : expected.keySet()) {
            if (rotated && section.equals(LearningCore.NETWORK_SECTION)) {
                continue; // compared below, to the ulp
            }
            assertThat(actual.get(section)).as("section %s of %s + %s", section, method, consolidation).isEqualTo(expected.get(section));
        }
        float[] before = parameters(original);
        float[] after = parameters(restored);
        float[] x = {0.2f, 1.1f, -0.3f, 0.0f, 0.9f, 0.4f};
        if (rotated) {
            float largest = 0;
            for (float v : before) {
                largest = Math.max(largest, Math.abs(v));
            }
            float bound = ROTATION_ULPS * Math.ulp(largest);
            for (int i = 0; i < before.length; i++) {
                assertThat(after[i]).as("parameter %d", i).isCloseTo(before[i], org.assertj.core.data.Offset.offset(bound));
            }
        } else {
            assertThat(after).containsExactly(before);
            assertThat(restored.predict(x)).containsExactly(original.predict(x));
        }
        List<StateFrames.Frame> again = StateFrames.split(LearnerStates.write(restored));
        for (int i = 0; i < frames.size(); i++) {
            if (!(rotated && frames.get(i).name().equals(LearningCore.NETWORK_SECTION))) {
                assertThat(again.get(i).bytes()).as("section %s written again", frames.get(i).name()).isEqualTo(frames.get(i).bytes());
            }
        }
    }

    /**
     * Under a K-FAC prior stepped with every step (and under NCL always), {@link JvmMlp} keeps each layer as its anchor and
     * its deviation rotated into the factors' eigenbasis; the state holds the effective parameters,
     * so a restore rotates them in again, and the rotation there and back is exact only to rounding:
     * within {@value #ROTATION_ULPS} ulps of the largest parameter. Everywhere else a restore is bit for bit.
     */
    private static final int ROTATION_ULPS = 4;

    private static boolean rotatedUnderThePrior(ContinualLearner learner) {
        Object consolidation = ((Map<?, ?>) learner.core().describe().get("consolidation")).get("method");
        // NCL preconditions every step, so its layers are always rotated
        return "ncl".equals(consolidation)
                || !"once per example".equals(learner.core().describe().get("prior_step")) && "kfac".equals(consolidation);
    }

    private static float[] parameters(ContinualLearner learner) {
        float[] p = new float[learner.core().network().spec().parameterCount()];
        learner.core().network().parameters(p);
        return p;
    }

    private static byte[] erKfacState() throws IOException {
        return LearnerStates.write(trained(settings(LearnerMethod.ER, ConsolidationMethod.KFAC)));
    }

    /** The state with section {@code name} replaced by {@code framed} (null: removed), or {@code framed} inserted before it. */
    private static byte[] edit(byte[] state, String name, byte[] framed, boolean insertBefore) {
        List<byte[]> out = new ArrayList<>();
        for (StateFrames.Frame f : StateFrames.split(state)) {
            if (f.name().equals(name)) {
                if (framed != null) {
                    out.add(framed);
                }
                if (insertBefore) {
                    out.add(f.bytes());
                }
            } else {
                out.add(f.bytes());
            }
        }
        return StateFrames.join(out);
    }

    private static StateFrames.Frame frame(byte[] state, String name) {
        return StateFrames.split(state).stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    private static void assertRefused(byte[] state, LearnerSettings settings, String... message) {
        var thrown = assertThatThrownBy(() -> LearnerStates.restore(settings, state, 1)).isInstanceOf(IOException.class);
        for (String m : message) {
            thrown.hasMessageContaining(m);
        }
    }

    @Test
    void sectionOfAnUnknownVersion_isRefused_namingSectionAndVersions() throws IOException {
        byte[] state = erKfacState();
        StateFrames.Frame replay = frame(state, "replay");
        byte[] damaged = edit(state, "replay", StateFrames.framed("replay", 2, replay.body().length, replay.body()), false);
        assertRefused(damaged, settings(LearnerMethod.ER, ConsolidationMethod.KFAC),
                "state section 'replay' has version 2", "reads version 1 of it");
    }

    @Test
    void unknownSection_isRefused_namingIt() throws IOException {
        byte[] state = erKfacState();
        byte[] damaged = edit(state, "window", StateFrames.framed("sketch", 1, 4, new byte[4]), true);
        assertRefused(damaged, settings(LearnerMethod.ER, ConsolidationMethod.KFAC),
                "state section 'sketch' (version 1) found where section 'window' was expected");
    }

    @Test
    void shortSection_isRefused_namingIt() throws IOException {
        byte[] state = erKfacState();
        StateFrames.Frame network = frame(state, "network");
        byte[] cut = Arrays.copyOf(network.body(), network.body().length - 4);
        assertRefused(edit(state, "network", StateFrames.framed("network", 1, cut.length, cut), false),
                settings(LearnerMethod.ER, ConsolidationMethod.KFAC), "state section 'network' (version 1) is short");
    }

    @Test
    void sectionWithBytesItsReaderLeaves_isRefused_namingIt() throws IOException {
        byte[] state = erKfacState();
        StateFrames.Frame matrix = frame(state, "accuracy-matrix");
        byte[] longer = Arrays.copyOf(matrix.body(), matrix.body().length + 4);
        assertRefused(edit(state, "accuracy-matrix", StateFrames.framed("accuracy-matrix", 1, longer.length, longer), false),
                settings(LearnerMethod.ER, ConsolidationMethod.KFAC), "state section 'accuracy-matrix' (version 1) holds "
                        + longer.length + " bytes, its reader used " + matrix.body().length);
    }

    @Test
    void stateOfOtherSettings_isRefused_namingTheSectionThatDiffers() throws IOException {
        byte[] state = erKfacState();
        assertRefused(state, settings(LearnerMethod.MER, ConsolidationMethod.KFAC),
                "state section 'minibatch' (version 1) found where section 'window' was expected");
        assertRefused(state, settings(LearnerMethod.ER, ConsolidationMethod.EWC),
                "state section 'prior-kfac' (version 1) found where section 'prior-ewc' was expected");
        assertRefused(state, settings(LearnerMethod.ER, ConsolidationMethod.NONE),
                "state section 'window' (version 1): checkpointed recent window holds 30 examples of 6 inputs, this one 0 of 6");
        assertRefused(state, LearnerStates.settings(new MlpSpec(6, List.of(9), 3, Activation.RELU), LearnerMethod.ER,
                ConsolidationMethod.KFAC, 4, 40, 30), "state section 'network' (version 1): checkpointed network is [6, 8, 3] RELU, this one [6, 9, 3] RELU");
    }
}
