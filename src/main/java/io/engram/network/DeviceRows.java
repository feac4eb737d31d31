package io.engram.network;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link Nd4jMlp}'s {@link Rows}: one ND4J matrix on the backend's device, allocated once, each row
 * an example's inputs followed by its class as a one-hot vector (capacity × (width + classes)), so
 * putting, copying or gathering a row is one device op. A row goes up once, when it is put; copies
 * between rows and gathers into a step's input block stay on the device.
 */
final class DeviceRows implements Rows {

    private final int capacity;
    private final int width;
    private final int classes;
    private final Transfers transfers;
    private final INDArray values;
    /** One row and its one-hot class on their way up. */
    private final float[] rowHost;
    private final INDArray row;

    DeviceRows(int capacity, int width, int classes, Transfers transfers) {
        if (capacity < 0 || width < 1) {
            throw new IllegalArgumentException("capacity " + capacity + ", width " + width);
        }
        this.capacity = capacity;
        this.width = width;
        this.classes = classes;
        this.transfers = transfers;
        // a matrix of no rows is not an array ND4J can view; one unused row stands for it
        this.values = Nd4j.create(DataType.FLOAT, Math.max(1, capacity), width + classes);
        this.rowHost = new float[width + classes];
        this.row = Nd4j.create(DataType.FLOAT, width + classes);
    }

    @Override
    public int capacity() {
        return capacity;
    }

    int classes() {
        return classes;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public void put(int slot, float[] x, int offset, int label) {
        check(slot);
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException("label " + label + " outside 0.." + (classes - 1));
        }
        System.arraycopy(x, offset, rowHost, 0, width);
        Arrays.fill(rowHost, width, width + classes, 0f);
        rowHost[width + label] = 1f;
        transfers.upload(rowHost, row);
        values.getRow(slot).assign(row);
    }

    @Override
    public void copy(int slot, Rows from, int fromSlot, int label) {
        check(slot);
        if (!(from instanceof DeviceRows device) || device.width != width || device.classes != classes) {
            throw new IllegalArgumentException("expected device rows of width " + width + ", found " + from);
        }
        device.check(fromSlot);
        values.getRow(slot).assign(device.values.getRow(fromSlot));
    }

    @Override
    public void read(int slot, int count, float[] into, int offset) {
        if (count == 0) {
            return;
        }
        check(slot);
        check(slot + count - 1);
        transfers.download(range(values, slot, count).get(NDArrayIndex.all(), NDArrayIndex.interval(0, width)), into, offset);
    }

    /**
     * Rows {@code slots[0 .. count − 1]} into rows {@code at ..} of a step's block (rows of inputs
     * and one-hot classes, like these), on the device: consecutive slots (one row included) as one
     * block, others gathered by index.
     */
    void gatherInto(int[] slots, int count, INDArray block, int at) {
        boolean consecutive = true;
        for (int i = 0; i < count; i++) {
            check(slots[i]);
            consecutive &= slots[i] == slots[0] + i;
        }
        if (consecutive) {
            range(block, at, count).assign(range(values, slots[0], count));
        } else {
            transfers.indices(count);
            Nd4j.pullRows(values, range(block, at, count), 1, Arrays.copyOf(slots, count));
        }
    }

    private static INDArray range(INDArray m, int from, int count) {
        return m.get(NDArrayIndex.interval(from, from + count), NDArrayIndex.all());
    }

    private void check(int slot) {
        if (slot < 0 || slot >= capacity) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + capacity + " rows");
        }
    }

    @Override
    public String toString() {
        return "device rows " + capacity + " × " + width;
    }
}
