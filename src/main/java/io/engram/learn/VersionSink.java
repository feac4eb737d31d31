package io.engram.learn;

import io.engram.evaluate.MetricsEvent;

/** Where model versions go: Kafka (engram.models, engram.model-chunks) in the service. */
public interface VersionSink {

    /**
     * Publishes a version of the snapshot with the metrics of that moment; returns the version
     * number given, or 0 when versions are not published.
     */
    long publish(ModelSnapshot snapshot, MetricsEvent metrics);

    /**
     * True while the records being handled are replayed after a restart or rollback: their
     * outputs (versions, metrics events) were committed before, so triggers they raise are not
     * answered again.
     */
    default boolean replaying() {
        return false;
    }

    /** Publishes nothing. */
    VersionSink NONE = (snapshot, metrics) -> 0;
}
