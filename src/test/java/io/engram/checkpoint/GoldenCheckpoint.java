package io.engram.checkpoint;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.learn.ContinualLearner;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes src/test/resources/checkpoints/learner-v1.bin, the golden checkpoint of format 1 that
 * {@link LearnerStateTest} must keep loading. Run once when the format changes (and bump the
 * format version): {@code java -cp target/test-classes:target/classes:... io.engram.checkpoint.GoldenCheckpoint}.
 */
public final class GoldenCheckpoint {

    static final long TRAINED = 240;

    private GoldenCheckpoint() {
    }

    public static void main(String[] args) throws Exception {
        ContinualLearner learner = LearnerStateTest.learner(LearnerStateTest.settings(LearnerMethod.MER, ConsolidationMethod.KFAC, 1));
        LearnerStateTest.feed(learner, 3, 301);
        Path folder = Files.createTempDirectory("golden");
        Path written = new CheckpointStore(folder, 2).write(out -> {
            out.writeUTF("m");
            learner.writeState(out);
        });
        Path target = Path.of("src/test/resources/checkpoints/learner-v" + CheckpointStore.FORMAT_VERSION + ".bin");
        Files.createDirectories(target.getParent());
        Files.copy(written, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("wrote " + target + " (" + Files.size(target) + " bytes), trained " + learner.status().trained());
    }
}
