package io.engram.learn;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link ContinualLearner} per model id, all built from the same settings. */
public final class ContinualLearners implements LearnerRegistry {

    private final LearnerSettings settings;
    private final MeterRegistry registry;
    private final Map<String, ContinualLearner> learners = new ConcurrentHashMap<>();

    public ContinualLearners(LearnerSettings settings, MeterRegistry registry) {
        this.settings = settings;
        this.registry = registry;
    }

    @Override
    public ContinualLearner forModel(String model) {
        return learners.computeIfAbsent(model, m -> {
            ContinualLearner learner = new ContinualLearner(m, settings, (id, task, report) ->
                    io.micrometer.core.instrument.Timer.builder("engram.consolidation")
                            .description("Time of each consolidation at a task boundary")
                            .tag("model", id).register(registry)
                            .record(java.time.Duration.ofNanos((long) (report.seconds() * 1e9))));
            Gauge.builder("engram.train.loss", learner, l -> l.status().trainLoss())
                    .description("Moving average of the per-example training loss")
                    .tag("model", m).register(registry);
            return learner;
        });
    }

    @Override
    public Map<String, ContinualLearner> all() {
        return Map.copyOf(learners);
    }
}
