package io.engram;

import io.engram.learn.ContinualLearners;
import io.engram.learn.LearnerSettings;

import io.engram.config.EngramConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The service's learners, wired to where their versions and metrics go: one
 * {@link io.engram.learn.ContinualLearner} per model, from the settings. Wiring lives here, above
 * every stage, so {@code learn} never depends on {@code publish}.
 */
@ApplicationScoped
public class Learners {

    @Produces
    @Singleton
    ContinualLearners registry(EngramConfig config, MeterRegistry meters, io.engram.publish.MetricsPublisher metrics,
            io.engram.publish.ModelPublisher versions) {
        return new ContinualLearners(LearnerSettings.from(config), meters, metrics, versions, java.time.Clock.systemUTC(),
                config.ingest().maxModels());
    }
}
