package io.engram.learn;

import io.engram.evaluate.MetricsSink;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link ContinualLearner} per model id, all built from the same settings, at most
 * {@code maxModels} of them: a record of a further model is refused ({@link ModelLimitException}).
 */
public final class ContinualLearners implements LearnerRegistry {

    private final LearnerSettings settings;
    private final MeterRegistry registry;
    private final MetricsSink sink;
    private final VersionSink versions;
    private final Clock clock;
    private final Map<String, ContinualLearner> learners = new ConcurrentHashMap<>();
    private final int maxModels;
    private final java.util.Set<String> gauged = ConcurrentHashMap.newKeySet();

    public ContinualLearners(LearnerSettings settings, MeterRegistry registry, MetricsSink sink, VersionSink versions,
            Clock clock) {
        this(settings, registry, sink, versions, clock, Integer.MAX_VALUE);
    }

    public ContinualLearners(LearnerSettings settings, MeterRegistry registry, MetricsSink sink, VersionSink versions,
            Clock clock, int maxModels) {
        this.maxModels = maxModels;
        this.settings = settings;
        this.registry = registry;
        this.sink = sink;
        this.versions = versions;
        this.clock = clock;
    }

    @Override
    public ContinualLearner forModel(String model) {
        ContinualLearner known = learners.get(model);
        if (known != null) {
            return known;
        }
        synchronized (this) { // workers of several partitions may create models at once: the limit holds for all
            return create(model);
        }
    }

    private ContinualLearner create(String model) {
        ContinualLearner known = learners.get(model);
        if (known != null) {
            return known;
        }
        if (learners.size() >= maxModels) {
            throw new ModelLimitException(ModelLimitException.Limit.MODELS, "Expected a record of one of the " + learners.size()
                    + " models this instance holds: it holds the most engram.ingest.max-models (" + maxModels + ") allows, so "
                    + "the new model '" + (model.length() > 60 ? model.substring(0, 57) + "..." : model) + "' is refused. "
                    + "Raise the limit (each model costs its learner's memory) or run more instances.");
        }
        return restore(model);
    }

    @Override
    public ContinualLearner restore(String model) {
        return learners.computeIfAbsent(model, m -> {
            ContinualLearner learner = new ContinualLearner(m, settings, sink, versions, (id, task, report) ->
                    Timer.builder("engram.consolidation")
                            .description("Time of each consolidation at a task boundary")
                            .tag("model", id).register(registry)
                            .record(Duration.ofNanos((long) (report.seconds() * 1e9))), clock);
            // reads the current learner of the model at each scrape, so a rollback's new learner is the one shown
            if (gauged.add(m)) {
                Gauge.builder("engram.train.loss", learners, all -> {
                ContinualLearner current = all.get(m);
                return current == null ? Double.NaN : current.status().trainLoss();
            }).description("Moving average of the per-example training loss").tag("model", m).register(registry);
            }
            return learner;
        });
    }

    @Override
    public void remove(String model) {
        learners.remove(model);
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
