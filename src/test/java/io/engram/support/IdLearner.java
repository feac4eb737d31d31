package io.engram.support;

import io.engram.learn.Example;
import io.engram.learn.Learner;
import io.engram.learn.LearnerRegistry;
import io.engram.learn.LearnerStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A test learner that records the ids of the train examples it learns (readable from another thread
 * while it learns), after a hook that may throw or take its time: for tests of the ingest loop.
 */
public final class IdLearner implements Learner {

    private final Consumer<Example> beforeLearning;
    private final List<String> learned = new CopyOnWriteArrayList<>();

    /** Runs {@code beforeLearning} on each train example, then records its id unless it threw. */
    public IdLearner(Consumer<Example> beforeLearning) {
        this.beforeLearning = beforeLearning;
    }

    /** Throws {@code failure}'s exception on the example with id {@code failOn}. */
    public IdLearner(String failOn, Supplier<RuntimeException> failure) {
        this(example -> {
            if (failOn.equals(example.id())) {
                throw failure.get();
            }
        });
    }

    public List<String> learned() {
        return learned;
    }

    @Override
    public void train(Example example) {
        beforeLearning.accept(example);
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

    /** Sleeps {@code millis}, for hooks that take their time. */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
