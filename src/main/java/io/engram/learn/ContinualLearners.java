package io.engram.learn;

import io.engram.evaluate.MetricsSink;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link ContinualLearner} per model id, all built from the same settings. */
public final class ContinualLearners implements LearnerRegistry {

    private final LearnerSettings settings;
    private final MeterRegistry registry;
    private final MetricsSink sink;
    private final VersionSink versions;
    private final Clock clock;
    private final Map<String, ContinualLearner> learners = new ConcurrentHashMap<>();

    public ContinualLearners(LearnerSettings settings, MeterRegistry registry, MetricsSink sink, VersionSink versions,
            Clock clock) {
        this.settings = settings;
        this.registry = registry;
        this.sink = sink;
        this.versions = versions;
        this.clock = clock;
    }

    @Override
    public ContinualLearner forModel(String model) {
        return learners.computeIfAbsent(model, m -> {
            ContinualLearner learner = new ContinualLearner(m, settings, sink, versions, (id, task, report) ->
                    Timer.builder("engram.consolidation")
                            .description("Time of each consolidation at a task boundary")
                            .tag("model", id).register(registry)
                            .record(Duration.ofNanos((long) (report.seconds() * 1e9))), clock);
            // reads the current learner of the model at each scrape, so a rollback's new learner is the one shown
            Gauge.builder("engram.train.loss", learners, all -> {
                ContinualLearner current = all.get(m);
                return current == null ? Double.NaN : current.status().trainLoss();
            }).description("Moving average of the per-example training loss").tag("model", m).register(registry);
            return learner;
        });
    }

    @Override
    public void clear() {
        learners.clear();
    }

    @Override
    public Map<String, ContinualLearner> all() {
        return Map.copyOf(learners);
    }
}
