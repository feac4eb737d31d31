package io.engram.learn;

import io.engram.evaluate.MetricsEvent;

/** Where model versions go: Kafka (engram.models, engram.model-chunks) in the service. */
public interface VersionSink {

    /**
     * Publishes a version of the snapshot with the metrics of that moment; returns the version
     * number given, or 0 when versions are not published.
     */
    long publish(ModelSnapshot snapshot, MetricsEvent metrics);

    /** Publishes nothing. */
    VersionSink NONE = (snapshot, metrics) -> 0;
}
