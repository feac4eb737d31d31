package io.engram.network;

/**
 * A minibatch by reference: row n is {@code inputSize} floats of {@code array(n)} from
 * {@code offset(n)}, with class {@code label(n)}. Rows point into the replay buffer's storage or at
 * an incoming example; nothing is copied. Reused from step to step: {@link #clear()} then
 * {@link #add}.
 */
public final class Batch {

    private final float[][] arrays;
    private final int[] offsets;
    private final int[] labels;
    private int size;

    public Batch(int capacity) {
        arrays = new float[capacity][];
        offsets = new int[capacity];
        labels = new int[capacity];
    }

    public Batch clear() {
        size = 0;
        return this;
    }

    public Batch add(float[] array, int offset, int label) {
        if (size == arrays.length) {
            throw new IllegalStateException("batch full (" + arrays.length + " rows)");
        }
        arrays[size] = array;
        offsets[size] = offset;
        labels[size] = label;
        size++;
        return this;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return arrays.length;
    }

    public float[] array(int n) {
        return arrays[n];
    }

    public int offset(int n) {
        return offsets[n];
    }

    public int label(int n) {
        return labels[n];
    }
}
