package io.engram.network;

/**
 * Examples stored where a network computes: {@code capacity} rows of {@code width} inputs, each
 * with its class, in storage allocated once. {@link Network#rows} makes them: {@link JvmMlp}'s are
 * a heap array, {@link Nd4jMlp}'s an ND4J matrix on the backend's device (with the classes as
 * one-hot rows beside it), so a batch made of stored rows ({@link Batch#add(Rows, int, int)})
 * reaches the device without passing through the host. The caller keeps its own bookkeeping
 * (which slot holds what); the rows only hold the values.
 */
public interface Rows {

    int capacity();

    int width();

    /** Slot {@code slot} ← {@code width} values of {@code x} from {@code offset}, of class {@code label}. */
    void put(int slot, float[] x, int offset, int label);

    /** Slot {@code slot} ← slot {@code fromSlot} of {@code from} (rows of the same network kind), of class {@code label}. */
    void copy(int slot, Rows from, int fromSlot, int label);

    /** The values of rows {@code slot .. slot + count − 1}, row after row, into {@code into} from {@code offset}. */
    void read(int slot, int count, float[] into, int offset);

    /** Rows on the heap, for a {@link JvmMlp} or a learner without a device. */
    static Rows onHeap(int capacity, int width) {
        return new HeapRows(capacity, width);
    }
}
