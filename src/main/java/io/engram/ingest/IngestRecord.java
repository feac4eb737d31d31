package io.engram.ingest;

/** What one record on {@code engram.examples} decodes to: an example, a control record, or a rejection. */
public sealed interface IngestRecord permits Example, Control, Rejection {

    /** The model the record belongs to (the record key; {@code default} when absent). */
    String model();
}
