/**
 * Learning stage: receives train examples, eval examples and task boundaries from ingest, in
 * stream order, per model ({@link io.engram.learn.Learner}). {@link io.engram.learn.ContinualLearner}
 * is one model's life: its network ({@link io.engram.network.JvmMlp} or {@link io.engram.network.Nd4jMlp}),
 * rehearsal buffer and method (online, ER, MER), consolidation at boundaries, evaluation, the
 * outlier guard, and the version triggers it folds per batch; {@link io.engram.learn.ContinualLearners}
 * holds one per model id, bounded.
 */
package io.engram.learn;
