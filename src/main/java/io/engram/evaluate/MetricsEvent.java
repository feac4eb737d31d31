package io.engram.evaluate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One evaluation of a model as published on {@code engram.metrics} (schemas/metrics.schema.json):
 * the raw matrix, the baseline, each figure with its formula, prequential accuracy and per-task
 * running loss.
 */
public record MetricsEvent(String model, Long version, String afterTask, List<String> tasks, List<List<Double>> matrix,
        List<Integer> rowTasks, List<Double> baseline, List<Double> beforeTraining, Map<String, Double> figures, Double prequentialAccuracy,
        Map<String, Double> taskLoss, long examplesSeen, double evaluationSeconds, Instant created) {

    /** The event as published, with the whole matrix. */
    public Document document() {
        return document(Integer.MAX_VALUE);
    }

    /**
     * The event as published, with the matrix of the {@code window} most recent tasks: with more
     * tasks, {@code tasks}, {@code baseline}, {@code before_training}, {@code task_loss} and the
     * columns of {@code matrix} keep the newest {@code window} tasks and {@code matrix} the newest
     * {@code window} rows, so the event's size is bounded whatever the number of tasks;
     * {@code tasks_total} says how many there are. The figures always cover every task.
     */
    public Document document(int window) {
        int total = tasks.size();
        int from = Math.max(0, total - window);
        List<List<Double>> rows = matrix.subList(Math.max(0, matrix.size() - window), matrix.size());
        List<Integer> rowIndex = rowTasks.subList(Math.max(0, rowTasks.size() - window), rowTasks.size());
        List<List<Double>> shown = new ArrayList<>();
        for (List<Double> row : rows) {
            shown.add(from == 0 ? row : new ArrayList<>(row.subList(Math.min(from, row.size()), row.size())));
        }
        List<String> names = tasks.subList(from, total);
        Map<String, Double> loss = new LinkedHashMap<>();
        taskLoss.forEach((task, value) -> {
            if (from == 0 || names.contains(task)) {
                loss.put(task, value);
            }
        });
        return new Document(model, version, afterTask, names, total, shown, rowIndex.stream().map(tasks::get).toList(),
                baseline.subList(Math.min(from, baseline.size()), baseline.size()),
                beforeTraining.subList(Math.min(from, beforeTraining.size()), beforeTraining.size()),
                figures.get("acc"), figures.get("la"), figures.get("bwt"), figures.get("fwt"), figures.get("forgetting"), Formulas.PUBLISHED,
                prequentialAccuracy, loss, examplesSeen, evaluationSeconds, created.toString());
    }

    /**
     * A metrics event as published on engram.metrics and inside a manifest
     * (schemas/metrics.schema.json): every member written, null included.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Document(
            String model,
            Long version,
            @JsonProperty("after_task") String afterTask,
            List<String> tasks,
            @JsonProperty("tasks_total") int tasksTotal,
            List<List<Double>> matrix,
            @JsonProperty("matrix_rows") List<String> matrixRows,
            List<Double> baseline,
            @JsonProperty("before_training") List<Double> beforeTraining,
            Double acc,
            Double la,
            Double bwt,
            Double fwt,
            Double forgetting,
            Formulas formulas,
            @JsonProperty("prequential_accuracy") Double prequentialAccuracy,
            @JsonProperty("task_loss") Map<String, Double> taskLoss,
            @JsonProperty("examples_seen") long examplesSeen,
            @JsonProperty("evaluation_seconds") double evaluationSeconds,
            String created) {
    }

    /** Each figure's formula as text, keyed like the figures. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Formulas(String acc, String la, String bwt, String fwt, String forgetting) {

        /** The formulas of {@link AccuracyMatrix#FORMULAS}. */
        public static final Formulas PUBLISHED = new Formulas(AccuracyMatrix.FORMULAS.get("acc"), AccuracyMatrix.FORMULAS.get("la"),
                AccuracyMatrix.FORMULAS.get("bwt"), AccuracyMatrix.FORMULAS.get("fwt"), AccuracyMatrix.FORMULAS.get("forgetting"));
    }

    /** The same event stamped with a model version. */
    public MetricsEvent withVersion(long v) {
        return new MetricsEvent(model, v, afterTask, tasks, matrix, rowTasks, baseline, beforeTraining, figures, prequentialAccuracy, taskLoss,
                examplesSeen, evaluationSeconds, created);
    }
}
