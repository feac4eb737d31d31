package io.engram.learn;

import io.engram.network.Activation;
import io.engram.network.Kernel;
import io.engram.network.MlpSpec;
import static org.assertj.core.api.Assertions.assertThat;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.consolidate.Consolidators;
import io.engram.config.LabelMode;
import io.engram.replay.ReplayPolicy;
import io.engram.state.StateFrames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden state files, one per state section, must keep restoring to exactly the state they were
 * written from.
 *
 * <p>{@code src/test/resources/golden/state/<learner>/} holds, for one small learner (a 4-3-2
 * network, a class-balanced buffer of 6, a window and consolidation sample of 5, three tasks of
 * which two ended: a matrix of two rows), every section of its state as written
 * ({@code <section>-v<version>.bin}: name, version, length, body), the state of that section as
 * exact text read from the live learner when it was written ({@code <section>-v<version>.txt}:
 * floats and doubles as their bits), and {@code sections.txt}, the sections in order. Three
 * learners cover every section: {@code mer-kfac} (MER with 256 steps per example, so the K-FAC
 * prior's step follows each example and the parameters are held plainly), {@code er-ewc} (ER with
 * a partial minibatch), {@code online-online-ewc}, and {@code online-ewc-adwin} (a drift detector,
 * fed past one alarm after the three tasks so that its state holds a segment).
 *
 * <p>The test joins each learner's section files into one state, restores a fresh learner of the
 * same settings from it, and compares the restored state of every section with its text, exactly;
 * a section of the version this Engram writes must also be written again byte for byte, so a
 * changed layout without a version bump fails here.
 *
 * <p>Regenerate (after bumping a section's version; review the diff):
 * {@code mvn -B -q test -Dtest=StateGoldenTest -Dengram.golden.write=true}. It overwrites the
 * directories named above. To keep testing a version still read, first copy the learner's
 * directory to {@code <learner>@<section>-v<n>} (the part after {@code @} is free) and set the new
 * field's default in its text files by hand.
 */
class StateGoldenTest {

    static final Path GOLDEN = Path.of("src/test/resources/golden/state");
    private static final MlpSpec SPEC = new MlpSpec(4, List.of(3), 2, Activation.RELU);

    /** The settings each golden learner was written with; a directory is named after one, optionally with an {@code @suffix}. */
    static LearnerSettings settings(String learner) {
        return switch (learner) {
            case "mer-kfac" -> settings(LearnerMethod.MER, 1, 15, 16, ConsolidationMethod.KFAC);
            case "er-ewc" -> settings(LearnerMethod.ER, 3, 2, 2, ConsolidationMethod.EWC);
            case "online-online-ewc" -> settings(LearnerMethod.ONLINE, 3, 0, 2, ConsolidationMethod.ONLINE_EWC);
            case "online-ewc-adwin" -> settings(LearnerMethod.ONLINE, 1, 0, 2, ConsolidationMethod.EWC)
                    .withDrift(new io.engram.evaluate.DriftDetector.Settings(io.engram.config.DriftDetection.ADWIN, 0.1, 0));
            default -> throw new IllegalArgumentException("no golden learner '" + learner + "'");
        };
    }

    private static LearnerSettings settings(LearnerMethod method, int batch, int replayBatch, int merBatches,
            ConsolidationMethod consolidation) {
        return new LearnerSettings(SPEC, 11, method, 0.05f, batch, 6, replayBatch, ReplayPolicy.CLASS_BALANCED, 0.1f, 1f,
                merBatches, Kernel.JVM, new Consolidators.Settings(consolidation, 5, 0.01, 0.9, LabelMode.SAMPLED, 5, 8),
                new LearnerSettings.EvaluationSettings(30, 8, 0, 0));
    }

    static Stream<String> goldenDirectories() throws IOException {
        try (Stream<Path> dirs = Files.list(GOLDEN)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("goldenDirectories")
    void goldenSections_restoreExactlyToTheStateTheyWereWrittenFrom(String directory) throws IOException {
        Path dir = GOLDEN.resolve(directory);
        LearnerSettings settings = settings(directory.split("@")[0]);
        List<String[]> manifest = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("sections.txt"))) {
            manifest.add(line.trim().split(" "));
        }
        List<byte[]> frames = new ArrayList<>();
        for (String[] entry : manifest) {
            frames.add(Files.readAllBytes(dir.resolve(file(entry, ".bin"))));
        }
        ContinualLearner restored = LearnerStates.restore(settings, StateFrames.join(frames), 1);

        Map<String, String> texts = LearnerText.of(restored);
        assertThat(texts.keySet()).as("the sections of %s", directory)
                .containsExactlyElementsOf(manifest.stream().map(e -> e[0]).toList());
        for (String[] entry : manifest) {
            String expected = Files.readString(dir.resolve(file(entry, ".txt")), StandardCharsets.UTF_8);
            assertThat(texts.get(entry[0])).as("section %s of %s", entry[0], directory).isEqualTo(expected);
        }
        List<StateFrames.Frame> again = StateFrames.split(LearnerStates.write(restored));
        for (int i = 0; i < manifest.size(); i++) {
            StateFrames.Frame frame = again.get(i);
            if (frame.version() == Integer.parseInt(manifest.get(i)[1])) {
                assertThat(frame.bytes()).as("section %s of %s written again by this Engram (a changed layout needs a version bump)",
                        frame.name(), directory).isEqualTo(frames.get(i));
            }
        }
    }

    @Test
    void goldenSections_coverEverySectionALearnerWrites() throws IOException {
        List<String> covered = new ArrayList<>();
        for (String directory : goldenDirectories().toList()) {
            for (String line : Files.readAllLines(GOLDEN.resolve(directory).resolve("sections.txt"))) {
                covered.add(line.split(" ")[0]);
            }
        }
        assertThat(covered).contains("learner", "network", "replay", "minibatch", "window", "prior-kfac", "prior-ewc",
                "prior-online-ewc", "evaluation-sets", "accuracy-matrix", "prequential", "drift-adwin");
    }

    private static String file(String[] entry, String suffix) {
        return entry[0] + "-v" + entry[1] + suffix;
    }

    /** Writes the golden files; run only when asked (see the class comment). */
    @Test
    @EnabledIfSystemProperty(named = "engram.golden.write", matches = "true")
    void writeGoldenFiles() throws IOException {
        for (String learner : List.of("mer-kfac", "er-ewc", "online-online-ewc", "online-ewc-adwin")) {
            LearnerSettings settings = settings(learner);
            ContinualLearner original = LearnerStates.learner(settings);
            LearnerStates.feed(original, 5, 44, 3);
            if (learner.endsWith("-adwin")) {
                LearnerStates.feedDrift(original, 150);
                assertThat(original.drift().segments()).as("the golden drift state holds a segment").isNotEmpty();
            }
            byte[] state = LearnerStates.write(original);
            Map<String, String> texts = LearnerText.of(original);
            assertThat(LearnerText.of(LearnerStates.restore(settings, state, 1))).as("an exact restore of " + learner)
                    .isEqualTo(texts);
            Path dir = GOLDEN.resolve(learner);
            Files.createDirectories(dir);
            StringBuilder manifest = new StringBuilder();
            for (StateFrames.Frame frame : StateFrames.split(state)) {
                String[] entry = {frame.name(), Integer.toString(frame.version())};
                Files.write(dir.resolve(file(entry, ".bin")), frame.bytes());
                Files.writeString(dir.resolve(file(entry, ".txt")), texts.get(frame.name()), StandardCharsets.UTF_8);
                manifest.append(entry[0]).append(' ').append(entry[1]).append('\n');
            }
            Files.writeString(dir.resolve("sections.txt"), manifest, StandardCharsets.UTF_8);
        }
    }
}
