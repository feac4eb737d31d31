package io.engram.ingest;

import java.util.Locale;

/** Why a record was dead-lettered; the lower-case name is the {@code engram.error.reason} header of CONTRACT.md. */
public enum RejectReason {
    /** Not parseable as JSON (including binary data and an empty value). */
    INVALID_JSON,
    /** JSON, but not shaped like an example or control record. */
    SCHEMA,
    /** {@code x} does not have the model's input size. */
    DIMENSION,
    /** A number is NaN, infinite, or too large for a 32-bit float. */
    NON_FINITE,
    /** A class index outside 0..C-1, or a label name the model does not declare. */
    UNKNOWN_LABEL,
    /** A feature name the model does not declare. */
    UNKNOWN_FEATURE,
    /** The value is larger than {@code engram.ingest.max-record-bytes}. */
    TOO_LARGE,
    /** {@code type} is none of example, task_end, publish. */
    UNKNOWN_TYPE,
    /** Learning from the record made the model's outputs non-finite; the learner was rolled back. */
    DIVERGED;

    /** The wire form, e.g. {@code invalid_json}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
