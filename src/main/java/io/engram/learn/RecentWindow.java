package io.engram.learn;

import io.engram.consolidate.Samples;
import io.engram.replay.ReservoirBuffer;

/**
 * The last {@code capacity} train examples of the current task, in storage allocated once; with
 * the task's share of the rehearsal buffer it is what consolidation estimates the Fisher on.
 */
final class RecentWindow {

    private final int inputSize;
    private final float[] inputs;
    private final int[] labels;
    private int size;
    private int next;

    RecentWindow(int capacity, int inputSize) {
        this.inputSize = inputSize;
        this.inputs = new float[capacity * inputSize];
        this.labels = new int[capacity];
    }

    void add(float[] x, int offset, int label) {
        if (labels.length == 0) {
            return;
        }
        System.arraycopy(x, offset, inputs, next * inputSize, inputSize);
        labels[next] = label;
        next = (next + 1) % labels.length;
        size = Math.min(size + 1, labels.length);
    }

    void writeTo(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(size);
        out.writeInt(next);
        io.engram.checkpoint.Binary.floats(out, java.util.Arrays.copyOf(inputs, labels.length == 0 ? 0 : inputs.length));
        io.engram.checkpoint.Binary.ints(out, labels);
    }

    void readFrom(java.io.DataInputStream in) throws java.io.IOException {
        size = in.readInt();
        next = in.readInt();
        float[] x = io.engram.checkpoint.Binary.floats(in);
        int[] y = io.engram.checkpoint.Binary.ints(in);
        if (x.length != inputs.length || y.length != labels.length) {
            throw new java.io.IOException("checkpointed recent window does not fit: engram.consolidation.samples changed");
        }
        System.arraycopy(x, 0, inputs, 0, x.length);
        System.arraycopy(y, 0, labels, 0, y.length);
    }

    int size() {
        return size;
    }

    private int rowHash(float[] x, int offset, int label) {
        int h = label;
        for (int i = 0; i < inputSize; i++) {
            h = 31 * h + Float.floatToIntBits(x[offset + i]);
        }
        return h;
    }

    private boolean inWindow(java.util.Map<Integer, java.util.List<Integer>> held, float[] x, int offset, int label) {
        java.util.List<Integer> candidates = held.get(rowHash(x, offset, label));
        if (candidates != null) {
            for (int i : candidates) {
                if (labels[i] == label && java.util.Arrays.equals(inputs, i * inputSize, (i + 1) * inputSize, x, offset, offset + inputSize)) {
                    return true;
                }
            }
        }
        return false;
    }

    float[] inputs() {
        return inputs;
    }

    /** Offset in {@link #inputs()} of the i-th oldest example held. */
    int offsetInOrder(int i) {
        return slotInOrder(i) * inputSize;
    }

    int labelInOrder(int i) {
        return labels[slotInOrder(i)];
    }

    private int slotInOrder(int i) {
        return (next - size + i + labels.length) % labels.length;
    }

    void clear() {
        size = 0;
        next = 0;
    }

    /**
     * The window's examples, then buffer examples of {@code task} that the window does not hold, up
     * to the window's capacity. A task shorter than the window has every example in the window and
     * some also in the buffer; those are recognised by their input and label (a hash of the
     * window's rows, then an exact comparison) and counted once. A null buffer: the window alone.
     */
    Samples withBufferShare(ReservoirBuffer buffer, int task) {
        int room = labels.length - size;
        int[] slots = new int[buffer == null ? 0 : Math.max(0, Math.min(room, buffer.size()))];
        int extra = 0;
        java.util.Map<Integer, java.util.List<Integer>> held = new java.util.HashMap<>();
        if (slots.length > 0) {
            for (int i = 0; i < size; i++) {
                held.computeIfAbsent(rowHash(inputs, i * inputSize, labels[i]), h -> new java.util.ArrayList<>()).add(i);
            }
        }
        for (int slot = 0; extra < slots.length && slot < buffer.size(); slot++) {
            if (buffer.task(slot) == task && !inWindow(held, buffer.inputs(), buffer.offset(slot), buffer.label(slot))) {
                slots[extra++] = slot;
            }
        }
        int fromWindow = size;
        int total = fromWindow + extra;
        return new Samples() {
            @Override
            public int count() {
                return total;
            }

            @Override
            public float[] array(int i) {
                return i < fromWindow ? inputs : buffer.inputs();
            }

            @Override
            public int offset(int i) {
                return i < fromWindow ? i * inputSize : buffer.offset(slots[i - fromWindow]);
            }

            @Override
            public int label(int i) {
                return i < fromWindow ? labels[i] : buffer.label(slots[i - fromWindow]);
            }
        };
    }
}
