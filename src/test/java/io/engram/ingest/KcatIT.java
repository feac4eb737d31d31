package io.engram.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.engram.broker.KafkaAccess;
import io.engram.learn.Learner;
import io.engram.learn.LearnerRegistry;
import io.engram.support.Await;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A producer outside the JVM (Debian's kcat, librdkafka) feeds the service through the real broker. */
@QuarkusTest
class KcatIT {

    @Inject
    KafkaAccess kafka;

    @Inject
    LearnerRegistry learners;

    @Test
    void shouldConsumeRecordsProducedWithKcat() throws Exception {
        boolean installed = Files.isExecutable(Path.of("/usr/bin/kcat"));
        if (System.getenv("ENGRAM_REQUIRE_KCAT") != null) {
            assertThat(installed).as("kcat is required here (ENGRAM_REQUIRE_KCAT is set): apt-get install kcat").isTrue();
        }
        assumeTrue(installed, "kcat is not installed (apt-get install kcat); .ci/run installs it");

        String model = "kcat-" + UUID.randomUUID();
        File input = File.createTempFile("kcat", ".jsonl");
        input.deleteOnExit();
        Files.writeString(input.toPath(), """
                {"task":"k1","x":[0,0.5,1,0],"y":1}
                {"task":"k1","x":[1,0.5,1,0],"label":"cat"}
                {"task":"k1","x":[1,0.5,1],"y":1}
                """, StandardCharsets.UTF_8);
        Process kcat = new ProcessBuilder("kcat", "-P", "-b", kafka.bootstrapServers(), "-t", kafka.topics().examples(),
                "-k", model, "-l", input.getPath()).redirectErrorStream(true).start();
        assertThat(kcat.waitFor(30, TimeUnit.SECONDS)).as("kcat finished").isTrue();
        String output = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kcat.exitValue()).as("kcat exit code; output: %s", output).isZero();

        Learner learner = learners.forModel(model);
        Await.until(Duration.ofSeconds(60), "2 examples produced by kcat learned", () -> learner.status().trained() == 2,
                () -> "trained=" + learner.status().trained());
    }
}
