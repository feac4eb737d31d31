package io.engram.support;

import io.engram.learn.Example;
import io.engram.learn.Learner;
import io.engram.learn.LearnerRegistry;
import io.engram.learn.LearnerStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A test learner that records the ids of the train examples it learns and throws on one id, for
 * tests of the ingest loop's failure handling.
 */
public final class IdLearner implements Learner {

    private final String failOn;
    private final Supplier<RuntimeException> failure;
    private final List<String> learned = new ArrayList<>();

    public IdLearner(String failOn, Supplier<RuntimeException> failure) {
        this.failOn = failOn;
        this.failure = failure;
    }

    public List<String> learned() {
        return learned;
    }

    @Override
    public void train(Example example) {
        if (failOn.equals(example.id())) {
            throw failure.get();
        }
        learned.add(example.id());
    }

    @Override
    public void keepForEvaluation(Example example) {
    }

    @Override
    public void endTask(String task) {
    }

    @Override
    public void publish() {
    }

    @Override
    public LearnerStatus status() {
        return new LearnerStatus(learned.size(), 0, List.of(), List.of(), 0, Double.NaN);
    }

    /** A registry that answers {@code current.get()} for every model. */
    public static LearnerRegistry registry(Supplier<? extends Learner> current) {
        return new LearnerRegistry() {
            @Override
            public Learner forModel(String model) {
                return current.get();
            }

            @Override
            public Map<String, Learner> all() {
                return Map.of("m", current.get());
            }
        };
    }
}
