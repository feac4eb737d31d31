package io.engram.learn;

/** Incoming examples collected until a minibatch is full; copies into storage allocated once. */
final class Minibatch {

    private final int inputSize;
    private final float[] inputs;
    private final int[] labels;
    private final int[] tasks;
    private int size;

    Minibatch(int capacity, int inputSize) {
        this.inputSize = inputSize;
        this.inputs = new float[capacity * inputSize];
        this.labels = new int[capacity];
        this.tasks = new int[capacity];
    }

    /** Adds one example; returns true when the minibatch is now full. */
    boolean add(float[] x, int offset, int label, int task) {
        System.arraycopy(x, offset, inputs, size * inputSize, inputSize);
        labels[size] = label;
        tasks[size] = task;
        size++;
        return size == labels.length;
    }

    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }

    float[] inputs() {
        return inputs;
    }

    int offset(int row) {
        return row * inputSize;
    }

    int label(int row) {
        return labels[row];
    }

    int task(int row) {
        return tasks[row];
    }

    /** Appends every row to {@code batch}. */
    void addTo(Batch batch) {
        for (int r = 0; r < size; r++) {
            batch.add(inputs, r * inputSize, labels[r]);
        }
    }
}
