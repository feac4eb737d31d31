package io.engram.broker;

import java.util.List;

/** The topic names of docs/contract.md under one prefix. */
public record Topics(String prefix) {

    public String examples() {
        return prefix + "examples";
    }

    public String models() {
        return prefix + "models";
    }

    public String modelChunks() {
        return prefix + "model-chunks";
    }

    public String metrics() {
        return prefix + "metrics";
    }

    public String deadLetters() {
        return prefix + "dlq";
    }

    /**
     * Model snapshots (compacted): partition p holds the state of the models consumed from
     * partition p of {@link #examples()}, so an instance that takes a partition over restores its
     * models from that one partition of this topic.
     */
    public String state() {
        return prefix + "state";
    }

    /** Topics whose records are replaced by key ({@code cleanup.policy=compact}). */
    public List<String> compacted() {
        return List.of(models(), modelChunks(), state());
    }

    public List<String> all() {
        return List.of(examples(), models(), modelChunks(), metrics(), deadLetters(), state());
    }
}
