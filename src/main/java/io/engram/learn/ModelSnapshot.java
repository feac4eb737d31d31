package io.engram.learn;

import java.util.List;
import java.util.Map;

/**
 * A model as it stands at a publishing moment: what a version is built from.
 *
 * @param trigger {@code task_end:<task>}, {@code publish} or {@code periodic}
 * @param parameters the effective parameters (DL4J layout), a copy
 * @param training method, hyperparameters and consolidation
 */
public record ModelSnapshot(String model, String trigger, MlpSpec spec, float[] parameters, List<String> tasks,
        long examplesSeen, Map<String, Object> training) {
}
