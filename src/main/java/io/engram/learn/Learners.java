package io.engram.learn;

import io.engram.config.EngramConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The service's learners: one {@link ContinualLearner} per model, from the settings. */
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
