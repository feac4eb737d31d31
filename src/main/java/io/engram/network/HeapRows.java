package io.engram.network;

/** {@link Rows} in one float array (slot s from {@code s * width}); a batch refers to them in place. */
final class HeapRows implements Rows {

    private final int capacity;
    private final int width;
    private final float[] values;

    HeapRows(int capacity, int width) {
        if (capacity < 0 || width < 1) {
            throw new IllegalArgumentException("capacity " + capacity + ", width " + width);
        }
        this.capacity = capacity;
        this.width = width;
        this.values = new float[Math.multiplyExact(capacity, width)];
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int width() {
        return width;
    }

    float[] values() {
        return values;
    }

    @Override
    public void put(int slot, float[] x, int offset, int label) {
        System.arraycopy(x, offset, values, slot * width, width);
    }

    @Override
    public void copy(int slot, Rows from, int fromSlot, int label) {
        if (!(from instanceof HeapRows heap) || heap.width != width) {
            throw new IllegalArgumentException("expected heap rows of width " + width + ", found " + from);
        }
        System.arraycopy(heap.values, fromSlot * width, values, slot * width, width);
    }

    @Override
    public void read(int slot, int count, float[] into, int offset) {
        System.arraycopy(values, slot * width, into, offset, count * width);
    }

    @Override
    public String toString() {
        return "heap rows " + capacity + " × " + width;
    }
}
