package io.engram.network;

/**
 * A minibatch by reference: row n is {@code inputSize} floats of {@code array(n)} from
 * {@code offset(n)}, with class {@code label(n)}; or, for a row held in a network's device
 * {@link Rows}, slot {@code slot(n)} of {@code rows(n)} (and {@code array(n)} is null). Rows point
 * into the replay buffer's storage or at an incoming example; nothing is copied. Reused from step
 * to step: {@link #clear()} then {@link #add}.
 */
public final class Batch {

    private final float[][] arrays;
    private final Rows[] stored;
    private final int[] offsets;
    private final int[] labels;
    private int size;

    public Batch(int capacity) {
        arrays = new float[capacity][];
        stored = new Rows[capacity];
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
        stored[size] = null;
        offsets[size] = offset;
        labels[size] = label;
        size++;
        return this;
    }

    /** Slot {@code slot} of {@code rows}, of class {@code label} (rows on the heap are added as their array and offset). */
    public Batch add(Rows rows, int slot, int label) {
        if (rows instanceof HeapRows heap) {
            return add(heap.values(), slot * heap.width(), label);
        }
        add((float[]) null, slot, label);
        stored[size - 1] = rows;
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

    /** The device rows row n is a slot of, or null when it is {@code array(n)} on the host. */
    public Rows rows(int n) {
        return stored[n];
    }

    /** The slot of row n in {@link #rows(int)}. */
    public int slot(int n) {
        return offsets[n];
    }

    public int label(int n) {
        return labels[n];
    }
}
