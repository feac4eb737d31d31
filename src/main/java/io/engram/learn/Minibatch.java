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

    void writeTo(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(size);
        for (int r = 0; r < size; r++) {
            io.engram.checkpoint.Binary.floats(out, java.util.Arrays.copyOfRange(inputs, r * inputSize, (r + 1) * inputSize));
            out.writeInt(labels[r]);
            out.writeInt(tasks[r]);
        }
    }

    void readFrom(java.io.DataInputStream in) throws java.io.IOException {
        int n = in.readInt();
        size = 0;
        for (int r = 0; r < n; r++) {
            add(io.engram.checkpoint.Binary.floats(in), 0, in.readInt(), in.readInt());
        }
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
