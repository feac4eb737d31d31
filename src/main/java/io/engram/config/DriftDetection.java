package io.engram.config;

/**
 * The change detector on the prequential error of task-free streams; written in settings as
 * {@code none} or {@code adwin}.
 */
public enum DriftDetection {
    /** Boundaries only from task ends (and periods of {@code engram.consolidation.every-examples}). */
    NONE,
    /** ADWIN2, adaptive windowing (Bifet and Gavaldà 2007). */
    ADWIN
}
