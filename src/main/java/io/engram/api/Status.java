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
        @JsonProperty("parked_models") Map<String, ParkedModel> parkedModels,
        Instance instance) {

    /** The status of the ingest loop, its last error, and each model's counts and each parked model, by model id in order. */
    public static Status of(String bootstrapServers, List<String> topics, IngestLoop.State ingest, String error,
            Map<String, LearnerStatus> models, Map<String, IngestLoop.Parked> parked, Instance instance) {
        Map<String, ModelCounts> counts = new TreeMap<>();
        models.forEach((model, s) -> counts.put(model, ModelCounts.of(s)));
        Map<String, ParkedModel> parkedModels = new TreeMap<>();
        parked.forEach((model, p) -> parkedModels.put(model, new ParkedModel(p.reason(), p.since().toString())));
        return new Status(bootstrapServers, topics, ingest.name().toLowerCase(), error, counts, parkedModels, instance);
    }

    /**
     * This instance within its consumer group: its id, the partitions of the examples topic it owns
     * (the unit of movement and parallelism) with their models, and its restores.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Instance(String id, @JsonProperty("transactional_id") String transactionalId, boolean restoring, long restores,
            @JsonProperty("last_restore_ms") Long lastRestoreMillis, List<Partition> partitions) {

        public static Instance of(String id, String transactionalId, boolean restoring, long restores, Long lastRestoreMillis,
                java.util.Collection<io.engram.ingest.OwnedPartition> owned) {
            List<Partition> partitions = owned.stream()
                    .sorted(java.util.Comparator.comparingInt(p -> p.topicPartition().partition()))
                    .map(p -> new Partition(p.topicPartition().topic() + "-" + p.topicPartition().partition(), List.copyOf(p.models()),
                            p.next(), p.replaying(), p.replayed()))
                    .toList();
            return new Instance(id, transactionalId, restoring, restores, lastRestoreMillis, partitions);
        }
    }

    /** One owned partition: its models, the next offset they reflect, and whether they are being rebuilt by a replay. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Partition(String partition, List<String> models, @JsonProperty("next_offset") long nextOffset, boolean replaying,
            @JsonProperty("records_replayed") long recordsReplayed) {
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
