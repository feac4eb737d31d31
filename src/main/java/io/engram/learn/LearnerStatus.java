package io.engram.learn;

import java.util.List;

/**
 * What a learner has done so far.
 *
 * @param trainLoss exponential moving average of the per-example training loss (NaN before any)
 */
public record LearnerStatus(long trained, long keptForEvaluation, List<String> tasks, List<String> endedTasks,
        long publishes, double trainLoss) {
}
