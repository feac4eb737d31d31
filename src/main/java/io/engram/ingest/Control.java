package io.engram.ingest;

/**
 * An in-band control record.
 *
 * @param task the task that ends for {@link Type#TASK_END}; null for {@link Type#PUBLISH}
 */
public record Control(String model, Type type, String task) implements IngestRecord {

    public enum Type {
        /** Consolidate, evaluate and publish a version. */
        TASK_END,
        /** Publish a version now. */
        PUBLISH;

        public String code() {
            return this == TASK_END ? "task_end" : "publish";
        }
    }
}
