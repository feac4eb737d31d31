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
        learners.all().forEach((model, learner) -> {
            LearnerStatus s = learner.status();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("trained", s.trained());
            m.put("kept_for_evaluation", s.keptForEvaluation());
            m.put("tasks", s.tasks());
            m.put("tasks_ended", s.endedTasks());
            m.put("publishes", s.publishes());
            m.put("train_loss", Double.isNaN(s.trainLoss()) ? null : s.trainLoss());
            models.put(model, m);
        });
        status.put("models", models);
        Map<String, Object> parked = new TreeMap<>();
        ingest.parked().forEach((model, p) -> parked.put(model, Map.of("reason", p.reason(), "since", p.since().toString())));
        status.put("parked_models", parked);
        return status;
    }
}
