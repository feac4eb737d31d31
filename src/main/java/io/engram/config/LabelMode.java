package io.engram.config;

/** Which labels the Fisher is taken over. */
public enum LabelMode {
    /** ŷ drawn from the model's predictive distribution: the true Fisher (default). */
    SAMPLED,
    /** Every class, weighted by its softmax probability: the exact expectation of the true Fisher. */
    EXPECTED,
    /** The stream's label: the empirical Fisher. */
    EMPIRICAL
}
