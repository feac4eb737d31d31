package io.engram.ingest;

/**
 * A record that cannot be used.
 *
 * @param message a sentence a person understands: what was expected, what was found
 * @param id the producer's id when it could be read, else null
 */
public record Rejection(String model, RejectReason reason, String message, String id) implements IngestRecord {
}
