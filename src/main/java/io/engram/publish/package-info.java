/**
 * Publishing stage: metrics events to {@code engram.metrics} and Prometheus
 * ({@link io.engram.publish.MetricsPublisher}); versioned models arrive with their issue.
 */
package io.engram.publish;
