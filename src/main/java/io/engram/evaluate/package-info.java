/**
 * Evaluation stage: per-task evaluation sets ({@link io.engram.evaluate.EvaluationSets}), the
 * accuracy matrix R and the forgetting figures computed from it
 * ({@link io.engram.evaluate.AccuracyMatrix}), prequential accuracy, the drift detector on the
 * prequential error for streams without task boundaries ({@link io.engram.evaluate.DriftDetector},
 * {@link io.engram.evaluate.Adwin}); hands a
 * {@link io.engram.evaluate.MetricsEvent} to a {@link io.engram.evaluate.MetricsSink}.
 */
package io.engram.evaluate;
