package io.engram.replay;

/** Which example a full rehearsal buffer gives up for a new one. */
public enum ReplayPolicy {
    /** Reservoir sampling: every example seen stays with probability capacity / seen. */
    RESERVOIR,
    /** Class-balanced reservoir (Chrysakis and Moens 2020): evict from the largest class. */
    CLASS_BALANCED,
    /** The same rule over tasks: evict from the task with the most examples in the buffer. */
    TASK_BALANCED
}
