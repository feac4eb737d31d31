package io.engram.evaluate;

import io.engram.state.StateText;
import java.util.List;

/** A model evaluation's state as exact text, one text per state section: evaluation sets, accuracy matrix, prequential window. */
public final class EvaluationText {

    private EvaluationText() {
    }

    /** Every task's set: size, examples seen, each row's inputs and label. */
    public static String sets(ModelEvaluation evaluation) {
        EvaluationSets sets = evaluation.sets();
        StateText text = new StateText().line("tasks", sets.tasks());
        for (int t = 0; t < sets.tasks(); t++) {
            text.line("task " + t + " size", sets.size(t)).line("task " + t + " seen", sets.seen(t))
                    .ints("task " + t + " labels", sets.labels(t)).floats("task " + t + " x", sets.inputs(t));
        }
        return text.toString();
    }

    /** Tasks, b_j, accuracies before training, and every cell of every row with the task whose end it records. */
    public static String matrix(ModelEvaluation evaluation) {
        AccuracyMatrix matrix = evaluation.matrix();
        StateText text = new StateText().strings("tasks", matrix.tasks()).doubles("baseline", matrix.baseline())
                .doubles("before training", matrix.beforeTraining());
        List<List<Double>> rows = matrix.rows();
        for (int i = 0; i < rows.size(); i++) {
            text.line("row " + i + " task", matrix.rowTasks().get(i)).doubles("row " + i, rows.get(i));
        }
        return text.toString();
    }

    /** The drift detector: segment numbers, examples since the last boundary, and the ADWIN window bucket by bucket. */
    public static String drift(DriftDetector detector) {
        java.util.Map<String, String> segments = new java.util.TreeMap<>();
        detector.segments().forEach((task, n) -> segments.put(task, Integer.toString(n)));
        Adwin window = detector.window();
        StateText text = new StateText().line("segments", segments).line("since boundary", detector.sinceBoundary())
                .line("width", window.width()).line("total", StateText.bits(window.total()))
                .line("squared deviations", StateText.bits(window.squaredDeviations()))
                .longs("bucket sizes", window.bucketSizes());
        double[][] buckets = window.buckets();
        for (int b = 0; b < buckets.length; b++) {
            text.doubles("bucket " + b, buckets[b]);
        }
        return text.toString();
    }

    /** The outcomes held, oldest first, and the accuracy over them. */
    public static String prequential(ModelEvaluation evaluation) {
        Prequential prequential = evaluation.prequential();
        StringBuilder outcomes = new StringBuilder();
        for (int i = 0; i < prequential.size(); i++) {
            outcomes.append(prequential.outcome(i) ? '1' : '0');
        }
        Double accuracy = prequential.accuracy();
        return new StateText().line("size", prequential.size()).line("outcomes", outcomes)
                .line("accuracy", accuracy == null ? "null" : StateText.bits(accuracy)).toString();
    }
}
