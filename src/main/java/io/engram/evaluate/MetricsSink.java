package io.engram.evaluate;

/** Where evaluations go: Kafka, HTTP and Prometheus in the service; a list in tests. */
public interface MetricsSink {

    void publish(MetricsEvent event);

    /** A sink that drops events. */
    MetricsSink NONE = event -> { };
}
