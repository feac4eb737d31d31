package io.engram.api;

import io.engram.broker.KafkaAccess;
import io.engram.ingest.IngestService;
import io.engram.learn.CountingLearners;
import io.engram.learn.LearnerRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
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
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("bootstrap_servers", kafka.bootstrapServers());
        status.put("topics", kafka.topics().all());
        status.put("ingest", ingest.state().name().toLowerCase());
        status.put("error", ingest.lastError());
        Map<String, Object> models = new TreeMap<>();
        if (learners instanceof CountingLearners counting) {
            counting.all().forEach((model, learner) -> models.put(model, Map.of(
                    "trained", learner.trained(), "kept_for_evaluation", learner.kept(),
                    "tasks_ended", learner.endedTasks(), "publishes", learner.publishes())));
        }
        status.put("models", models);
        return status;
    }
}
