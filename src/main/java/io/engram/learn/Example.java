package io.engram.learn;

/**
 * One labelled example, validated: {@code x} has the model's input size and finite values,
 * {@code label} is a class index in 0..C-1.
 *
 * @param id the producer's id, or null; echoed in logs and dead letters
 */
public record Example(String model, String task, float[] x, int label, Split split, String id) {

    /** Train examples are learned from; eval examples are kept as the task's evaluation set. */
    public enum Split { TRAIN, EVAL }
}
