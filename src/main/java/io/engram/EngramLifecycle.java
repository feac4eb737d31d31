package io.engram;

import io.engram.broker.KafkaAccess;
import io.engram.config.EngramConfig;
import io.engram.config.SettingsValidator;
import io.engram.ingest.IngestService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up and shut-down order: settings are checked first (a bad one stops start-up), then
 * Kafka (the embedded broker when none is configured), the topics, and the ingest loop.
 * Shut-down reverses it: the loop finishes its batch, then the broker stops.
 */
@ApplicationScoped
public class EngramLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(EngramLifecycle.class);

    @Inject
    EngramConfig config;

    @Inject
    KafkaAccess kafka;

    @Inject
    IngestService ingest;

    @Inject
    io.engram.publish.ModelPublisher publisher;

    /** Catches the catalog up with versions other instances published. */
    private final java.util.concurrent.ScheduledExecutorService refresher =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "engram-catalog-refresh");
                t.setDaemon(true);
                return t;
            });

    void onStart(@Observes StartupEvent event) {
        SettingsValidator.check(config);
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.warn("The JVM runs without --add-modules jdk.incubator.vector: the CPU learner falls back to its scalar kernels, "
                    + "about 4x slower. Start it with ./engram run, or add that flag to the java command line.");
        }
        kafka.start();
        ingest.start(); // creates the topics first, retrying while the broker is unreachable
        long every = config.publish().catalogRefresh().toMillis();
        if (every > 0) {
            refresher.scheduleWithFixedDelay(() -> {
                try {
                    if (ingest.state() == io.engram.ingest.IngestLoop.State.RUNNING) {
                        publisher.refresh();
                    }
                } catch (RuntimeException e) {
                    LOG.debug("Catalog refresh failed: {}", e.toString());
                }
            }, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        LOG.info("Engram started: Kafka at {}, topics {}*", kafka.bootstrapServers(), config.topicPrefix());
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        refresher.shutdownNow();
        ingest.stop();
        kafka.stop();
    }
}
