package io.engram.learn;

import io.engram.network.Batch;
import io.engram.state.Binary;
import io.engram.state.Sections;
import java.io.IOException;

/** Incoming examples collected until a minibatch is full; copies into storage allocated once. */
final class Minibatch {

    /** The name of its state section. */
    static final String SECTION = "minibatch";
    /** The layout of its state section; a change to {@link #writeState} bumps it (docs/state-format.md). */
    static final int STATE_VERSION = 1;

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

    /** Writes the rows held as its state section (version 1: size, then each row's inputs, label and task). */
    void writeState(Sections.Writer state) throws IOException {
        state.section(SECTION, STATE_VERSION, out -> {
            out.writeInt(size);
            for (int r = 0; r < size; r++) {
                out.writeInt(inputSize);
                for (int i = r * inputSize; i < (r + 1) * inputSize; i++) {
                    out.writeFloat(inputs[i]);
                }
                out.writeInt(labels[r]);
                out.writeInt(tasks[r]);
            }
        });
    }

    /** Reads the section {@link #writeState} wrote into this (empty) minibatch. */
    void readState(Sections.Reader state) throws IOException {
        state.section(SECTION, 1, STATE_VERSION, (in, version) -> {
            int n = in.readInt();
            if (n < 0 || n > labels.length) {
                throw new IOException("checkpointed minibatch holds " + n + " rows, this one at most " + labels.length
                        + ": engram.learner.batch-size changed");
            }
            size = 0;
            for (int r = 0; r < n; r++) {
                float[] x = Binary.floats(in);
                if (x.length != inputSize) {
                    throw new IOException("checkpointed minibatch row has " + x.length + " inputs, this model " + inputSize
                            + ": engram.model.* changed");
                }
                add(x, 0, in.readInt(), in.readInt());
            }
        });
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
