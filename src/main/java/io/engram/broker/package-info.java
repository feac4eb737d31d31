/**
 * Kafka plumbing: the embedded single-node KRaft broker ({@link io.engram.broker.EmbeddedKafkaBroker}),
 * client construction with pass-through security settings ({@link io.engram.broker.KafkaClients}),
 * topic creation, and the reachability probe behind readiness ({@link io.engram.broker.KafkaAccess}).
 */
package io.engram.broker;
