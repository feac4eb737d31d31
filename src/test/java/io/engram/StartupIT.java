package io.engram;

import static org.assertj.core.api.Assertions.assertThat;

import io.engram.support.ServiceProcess;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The packaged service as a user starts it: bad settings stop it with a clear message; good ones make it ready. */
class StartupIT {

    @Test
    void shouldStopStartupNamingKeyValueAndAllowedForUnknownMethod() throws Exception {
        try (ServiceProcess service = ServiceProcess.start(Map.of("ENGRAM_LEARNER_METHOD", "sgd"))) {
            int exit = service.awaitExit(Duration.ofSeconds(60));
            assertThat(exit).as("exit code").isNotZero();
            assertThat(service.output()).contains("engram.learner.method").contains("sgd").contains("mer");
        }
    }

    @Test
    void shouldStopStartupNamingKeyValueAndAllowedForNegativeSize() throws Exception {
        try (ServiceProcess service = ServiceProcess.start(Map.of(
                "ENGRAM_LEARNER_REPLAY_CAPACITY", "-1", "ENGRAM_INGEST_MAX_RECORD_BYTES", "-10"))) {
            int exit = service.awaitExit(Duration.ofSeconds(60));
            assertThat(exit).as("exit code").isNotZero();
            assertThat(service.output())
                    .contains("Invalid setting engram.learner.replay-capacity=-1: allowed is an integer >= 0")
                    .contains("engram.ingest.max-record-bytes=-10");
        }
    }

    @Test
    void shouldBecomeReadyWithTheEmbeddedBrokerAndStopCleanlyOnSigterm() throws Exception {
        try (ServiceProcess service = ServiceProcess.start(Map.of())) {
            Duration ready = service.awaitReady(Duration.ofSeconds(60));
            System.out.println("StartupIT: service ready in " + ready.toMillis() + " ms");
            assertThat(service.get("/q/health/live").code()).isEqualTo(200);
            assertThat(service.get("/q/metrics").body()).contains("engram_examples_rejected_total{reason=\"too_large\"");
            assertThat(service.get("/q/openapi").body()).contains("/api/status");
            service.process().destroy();
            int exit = service.awaitExit(Duration.ofSeconds(30));
            assertThat(service.output()).contains("Stopping the embedded Kafka broker");
            assertThat(exit).as("exit code after SIGTERM; output: %s", service.tail()).isIn(0, 130, 143);
        }
    }
}
