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
        Map<String, Object> instance = new LinkedHashMap<>();
        instance.put("id", kafka.instanceId());
        instance.put("transactional_id", kafka.transactionalId());
        instance.put("restoring", ingest.restoring());
        long[] restore = ingest.restoreFigures();
        instance.put("restores", restore[1]);
        instance.put("last_restore_ms", restore[0] < 0 ? null : restore[0]);
        java.util.List<Map<String, Object>> partitions = new java.util.ArrayList<>();
        ingest.owned().values().stream()
                .sorted(java.util.Comparator.comparingInt(p -> p.topicPartition().partition()))
                .forEach(p -> {
                    Map<String, Object> one = new LinkedHashMap<>();
                    one.put("partition", p.topicPartition().topic() + "-" + p.topicPartition().partition());
                    one.put("models", java.util.List.copyOf(p.models()));
                    one.put("next_offset", p.next());
                    one.put("replaying", p.replaying());
                    one.put("records_replayed", p.replayed());
                    partitions.add(one);
                });
        instance.put("partitions", partitions);
        status.put("instance", instance);
        return status;
    }
}
