package io.engram.api;

import io.engram.broker.KafkaAccess;
import io.engram.ingest.IngestService;
import io.engram.learn.LearnerStatus;
import io.engram.learn.LearnerRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** What the service is doing now, for operators and scripts. */
@Path("/api/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {

    @Inject
    KafkaAccess kafka;

    @Inject
    IngestService ingest;

    @Inject
    LearnerRegistry learners;

    @GET
    @Operation(summary = "Kafka address, topics, ingest state and per-model counts")
    public Status status() {
        Map<String, LearnerStatus> models = new TreeMap<>();
        learners.all().forEach((model, learner) -> models.put(model, learner.status()));
        IngestService.Restores restores = ingest.restores();
        Status.Instance instance = Status.Instance.of(kafka.instanceId(), kafka.transactionalId(), ingest.restoring(), restores.count(),
                restores.lastMillis(), ingest.owned().values());
        return Status.of(kafka.bootstrapServers(), kafka.topics().all(), ingest.state(), ingest.lastError(), models, ingest.parked(),
                instance);
    }
}
