/**
 * Publishing stage: metrics events to {@code engram.metrics} and Prometheus
 * ({@link io.engram.publish.MetricsPublisher}); model versions (DL4J zip and ONNX, chunked, with
 * their manifest and aliases) in the batch's transaction ({@link io.engram.publish.ModelPublisher});
 * the bounded catalog of versions behind HTTP, read back from Kafka on demand
 * ({@link io.engram.publish.ModelCatalog}); {@code ./engram pull} ({@link io.engram.publish.Pull}).
 */
package io.engram.publish;
