package io.engram.ingest;

import io.engram.learn.Example;

/** What one record on {@code engram.examples} decodes to: an example, a control record, or a rejection. */
public sealed interface IngestRecord permits IngestRecord.Labelled, Control, Rejection {

    /** The model the record belongs to (the record key; {@code default} when absent). */
    String model();

    /** A valid example, for its model's learner. */
    record Labelled(Example example) implements IngestRecord {
        @Override
        public String model() {
            return example.model();
        }
    }
}
