package io.engram.network;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link Nd4jMlp}'s {@link Rows}: one ND4J matrix of inputs (capacity × width) and one of one-hot
 * classes (capacity × classes) on the backend's device, allocated once. A row goes up once, when
 * it is put; copies between rows and gathers into a step's input block stay on the device.
 */
final class DeviceRows implements Rows {

    private final int capacity;
    private final int width;
    private final int classes;
    private final Transfers transfers;
    private final INDArray inputs;
    private final INDArray targets;
    /** One row and its one-hot class on their way up. */
    private final float[] rowHost;
    private final INDArray row;
    private final INDArray rowInput;
    private final INDArray rowTarget;

    DeviceRows(int capacity, int width, int classes, Transfers transfers) {
        if (capacity < 0 || width < 1) {
            throw new IllegalArgumentException("capacity " + capacity + ", width " + width);
        }
        this.capacity = capacity;
        this.width = width;
        this.classes = classes;
        this.transfers = transfers;
        // a matrix of no rows is not an array ND4J can view; one unused row stands for it
        this.inputs = Nd4j.create(DataType.FLOAT, Math.max(1, capacity), width);
        this.targets = Nd4j.create(DataType.FLOAT, Math.max(1, capacity), classes);
        this.rowHost = new float[width + classes];
        this.row = Nd4j.create(DataType.FLOAT, width + classes);
        this.rowInput = row.get(NDArrayIndex.interval(0, width));
        this.rowTarget = row.get(NDArrayIndex.interval(width, width + classes));
    }

    @Override
    public int capacity() {
        return capacity;
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
        inputs.getRow(slot).assign(rowInput);
        targets.getRow(slot).assign(rowTarget);
    }

    @Override
    public void copy(int slot, Rows from, int fromSlot, int label) {
        check(slot);
        if (!(from instanceof DeviceRows device) || device.width != width || device.classes != classes) {
            throw new IllegalArgumentException("expected device rows of width " + width + ", found " + from);
        }
        device.check(fromSlot);
        inputs.getRow(slot).assign(device.inputs.getRow(fromSlot));
        targets.getRow(slot).assign(device.targets.getRow(fromSlot));
    }

    @Override
    public void read(int slot, int count, float[] into, int offset) {
        if (count == 0) {
            return;
        }
        check(slot);
        check(slot + count - 1);
        transfers.download(range(inputs, slot, count), into, offset);
    }

    /**
     * Rows {@code slots[0 .. count − 1]} into rows {@code at ..} of the input and target blocks, on
     * the device: one row by view, consecutive slots as one block, others gathered by index.
     */
    void gatherInto(int[] slots, int count, INDArray input, INDArray target, int at) {
        boolean consecutive = true;
        for (int i = 0; i < count; i++) {
            check(slots[i]);
            consecutive &= slots[i] == slots[0] + i;
        }
        if (consecutive) {
            range(input, at, count).assign(range(inputs, slots[0], count));
            range(target, at, count).assign(range(targets, slots[0], count));
        } else {
            int[] indices = Arrays.copyOf(slots, count);
            transfers.indices(count);
            Nd4j.pullRows(inputs, range(input, at, count), 1, indices);
            transfers.indices(count);
            Nd4j.pullRows(targets, range(target, at, count), 1, indices);
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
