package io.engram.api;

import io.engram.broker.KafkaAccess;
import io.engram.ingest.IngestLoop;
import io.engram.ingest.IngestService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready only when the broker answers and the ingest loop has joined its group and is consuming. */
@Readiness
@ApplicationScoped
public class BrokerReadiness implements HealthCheck {

    @Inject
    KafkaAccess kafka;

    @Inject
    IngestService ingest;

    @Override
    public HealthCheckResponse call() {
        KafkaAccess.Probe probe = kafka.probe();
        IngestLoop.State state = ingest.state();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("engram-kafka")
                .status(probe.reachable() && state == IngestLoop.State.RUNNING && !ingest.restoring())
                .withData("broker", probe.message())
                .withData("ingest", ingest.restoring() ? "restoring" : state.name().toLowerCase());
        String error = ingest.lastError();
        if (error != null) {
            response.withData("error", error);
        }
        return response.build();
    }
}
