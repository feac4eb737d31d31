package io.engram.learn;

import io.engram.network.MlpSpec;
import java.util.List;
import java.util.Map;

/**
 * A model as it stands at a publishing moment: what a version is built from.
 *
 * @param trigger {@code task_end:<task>}, {@code drift:<task>#<n>}, {@code publish} or {@code periodic}: the last of the triggers folded into it
 * @param folded every trigger this version answers, oldest first (at most {@link #MAX_FOLDED} named)
 * @param foldedCount how many triggers were folded in, named or not
 * @param parameters the effective parameters (DL4J layout), a copy
 * @param training method, hyperparameters and consolidation
 * @param offsets {@code "topic-partition" → next offset}: the records the model reflects
 */
public record ModelSnapshot(String model, String trigger, List<String> folded, int foldedCount, MlpSpec spec, float[] parameters,
        List<String> tasks, long examplesSeen, Map<String, Object> training, Map<String, Long> offsets) {

    /** Triggers named in one version; a burst beyond it is counted only. */
    public static final int MAX_FOLDED = 32;
}
