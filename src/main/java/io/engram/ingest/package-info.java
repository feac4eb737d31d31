/**
 * Ingest stage: takes records off {@code engram.examples} with manual offset control, decodes
 * and validates them ({@link io.engram.ingest.RecordDecoder}, JSON Schemas in {@code schemas/}),
 * turns task switches into boundaries, hands examples and boundaries to the learner of their
 * model, and dead-letters everything unusable to {@code engram.dlq}. Offsets are committed only
 * once every record before them is handled.
 */
package io.engram.ingest;
