package io.engram.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.engram.ingest.IngestLoop;
import io.engram.learn.LearnerStatus;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The answer of {@code GET /api/status} (schemas/status.schema.json): every member written, null included. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Status(
        @JsonProperty("bootstrap_servers") String bootstrapServers,
        List<String> topics,
        String ingest,
        String error,
        Map<String, ModelCounts> models,
        @JsonProperty("parked_models") Map<String, ParkedModel> parkedModels) {

    /** The status of the ingest loop, its last error, and each model's counts and each parked model, by model id in order. */
    public static Status of(String bootstrapServers, List<String> topics, IngestLoop.State ingest, String error,
            Map<String, LearnerStatus> models, Map<String, IngestLoop.Parked> parked) {
        Map<String, ModelCounts> counts = new TreeMap<>();
        models.forEach((model, s) -> counts.put(model, ModelCounts.of(s)));
        Map<String, ParkedModel> parkedModels = new TreeMap<>();
        parked.forEach((model, p) -> parkedModels.put(model, new ParkedModel(p.reason(), p.since().toString())));
        return new Status(bootstrapServers, topics, ingest.name().toLowerCase(), error, counts, parkedModels);
    }

    /** What one model's learner has done; {@code train_loss} is null before any training. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ModelCounts(long trained, @JsonProperty("kept_for_evaluation") long keptForEvaluation, List<String> tasks,
            @JsonProperty("tasks_ended") List<String> tasksEnded, long publishes, @JsonProperty("train_loss") Double trainLoss) {

        static ModelCounts of(LearnerStatus s) {
            return new ModelCounts(s.trained(), s.keptForEvaluation(), s.tasks(), s.endedTasks(), s.publishes(),
                    Double.isNaN(s.trainLoss()) ? null : s.trainLoss());
        }
    }

    /** Why a model was parked and since when (ISO-8601 UTC). */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ParkedModel(String reason, String since) {
    }
}
