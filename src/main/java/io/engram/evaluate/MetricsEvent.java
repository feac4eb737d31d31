package io.engram.evaluate;

import java.time.Instant;
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

    /** The event as JSON-ready maps, field names as in the schema. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model);
        json.put("version", version);
        json.put("after_task", afterTask);
        json.put("tasks", tasks);
        json.put("matrix", matrix);
        json.put("matrix_rows", rowTasks.stream().map(tasks::get).toList());
        json.put("baseline", baseline);
        json.put("before_training", beforeTraining);
        figures.forEach(json::put);
        json.put("formulas", AccuracyMatrix.FORMULAS);
        json.put("prequential_accuracy", prequentialAccuracy);
        json.put("task_loss", taskLoss);
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
