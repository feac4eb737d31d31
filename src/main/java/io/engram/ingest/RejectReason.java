package io.engram.ingest;

import java.util.Locale;

/** Why a record was dead-lettered; the lower-case name is the {@code engram.error.reason} header of docs/contract.md. */
public enum RejectReason {
    /** Not parseable as JSON (including binary data and an empty value), or, with header content-type application/avro, as Avro binary of schemas/example.avsc. */
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
    /** Learning from the record made the model's parameters (or its loss) non-finite; the learner was rolled back. */
    DIVERGED,
    /** The key is not a model id: 1..128 characters of {@code [A-Za-z0-9._-]} ({@code :} separates output keys). */
    INVALID_MODEL_ID,
    /** A new model id, and the instance already holds {@code engram.ingest.max-models} models. */
    TOO_MANY_MODELS,
    /** A new task name, and the model already has {@code engram.learner.max-tasks} tasks. */
    TOO_MANY_TASKS,
    /** An input value outside {@code engram.ingest.input-min}..{@code input-max}. */
    OUT_OF_RANGE,
    /** The learner's spike guard refused the step: the example's gradient norm per unit of output error, or a layer-input norm, was far beyond the recent ones. */
    OUTLIER,
    /** The record's model is parked after an unexpected error in its learner; see the model's status. */
    MODEL_PARKED,
    /** The record's model is learned from another partition of this instance: all records of a model must be on one partition. */
    WRONG_PARTITION;

    /** The wire form, e.g. {@code invalid_json}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
