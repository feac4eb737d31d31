package io.engram.learn;

import io.engram.ingest.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A learner that learns nothing: it counts what it is handed and records task boundaries.
 * It stands in until the network and the replay methods exist, and serves tests of the ingest
 * path, which must hand every record over exactly once and in order.
 */
public final class CountingLearner implements Learner {

    private final AtomicLong trained = new AtomicLong();
    private final AtomicLong kept = new AtomicLong();
    private final AtomicLong publishes = new AtomicLong();
    private final List<String> endedTasks = new ArrayList<>();

    @Override
    public void train(Example example) {
        trained.incrementAndGet();
    }

    @Override
    public void keepForEvaluation(Example example) {
        kept.incrementAndGet();
    }

    @Override
    public synchronized void endTask(String task) {
        endedTasks.add(task);
    }

    @Override
    public void publish() {
        publishes.incrementAndGet();
    }

    @Override
    public synchronized LearnerStatus status() {
        return new LearnerStatus(trained.get(), kept.get(), List.of(), List.copyOf(endedTasks), publishes.get(), Double.NaN);
    }
}
