package io.engram.config;

/** The online learning methods of docs/algorithms.md; written in settings as {@code online}, {@code er}, {@code mer}. */
public enum LearnerMethod {
    /** Plain SGD on the incoming example (fine-tuning). */
    ONLINE,
    /** Experience replay: the incoming example plus a sample of the rehearsal buffer. */
    ER,
    /** Meta-Experience Replay, Algorithm 1 of Riemer et al. 2019. */
    MER
}
