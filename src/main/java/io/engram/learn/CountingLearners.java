package io.engram.learn;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link CountingLearner} per model. */
public final class CountingLearners implements LearnerRegistry {

    private final Map<String, CountingLearner> learners = new ConcurrentHashMap<>();

    @Override
    public CountingLearner forModel(String model) {
        return learners.computeIfAbsent(model, m -> new CountingLearner());
    }

    @Override
    public Map<String, CountingLearner> all() {
        return Map.copyOf(learners);
    }
}
