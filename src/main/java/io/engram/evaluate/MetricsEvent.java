package io.engram.evaluate;

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

    /** The event as JSON-ready maps, field names as in the schema, with the whole matrix. */
    public Map<String, Object> toJson() {
        return toJson(Integer.MAX_VALUE);
    }

    /**
     * The event as JSON-ready maps with the matrix of the {@code window} most recent tasks: with
     * more tasks, {@code tasks}, {@code baseline}, {@code before_training}, {@code task_loss} and the
     * columns of {@code matrix} keep the newest {@code window} tasks and {@code matrix} the newest
     * {@code window} rows, so the event's size is bounded whatever the number of tasks;
     * {@code tasks_total} says how many there are. The figures always cover every task.
     */
    public Map<String, Object> toJson(int window) {
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
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model);
        json.put("version", version);
        json.put("after_task", afterTask);
        json.put("tasks", names);
        json.put("tasks_total", total);
        json.put("matrix", shown);
        json.put("matrix_rows", rowIndex.stream().map(tasks::get).toList());
        json.put("baseline", baseline.subList(Math.min(from, baseline.size()), baseline.size()));
        json.put("before_training", beforeTraining.subList(Math.min(from, beforeTraining.size()), beforeTraining.size()));
        figures.forEach(json::put);
        json.put("formulas", AccuracyMatrix.FORMULAS);
        json.put("prequential_accuracy", prequentialAccuracy);
        json.put("task_loss", loss);
        json.put("examples_seen", examplesSeen);
        json.put("evaluation_seconds", evaluationSeconds);
        json.put("created", created.toString());
        return json;
    }

    /** The same event stamped with a model version. */
    public MetricsEvent withVersion(long v) {
        return new MetricsEvent(model, v, afterTask, tasks, matrix, rowTasks, baseline, beforeTraining, figures, prequentialAccuracy, taskLoss,
                examplesSeen, evaluationSeconds, created);
    }
}
