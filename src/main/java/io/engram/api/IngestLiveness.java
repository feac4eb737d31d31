package io.engram.api;

import io.engram.ingest.IngestLoop;
import io.engram.ingest.IngestService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live unless the ingest loop died of an unexpected error. A broker outage keeps the service live
 * (it waits and retries) but not ready.
 */
@Liveness
@ApplicationScoped
public class IngestLiveness implements HealthCheck {

    @Inject
    IngestService ingest;

    @Override
    public HealthCheckResponse call() {
        IngestLoop.State state = ingest.state();
        var response = HealthCheckResponse.named("engram-ingest").status(state != IngestLoop.State.FAILED)
                .withData("state", state.name().toLowerCase());
        if (state == IngestLoop.State.FAILED && ingest.lastError() != null) {
            response.withData("error", ingest.lastError());
        }
        return response.build();
    }
}
