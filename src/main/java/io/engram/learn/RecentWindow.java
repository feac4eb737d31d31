package io.engram.learn;

import io.engram.consolidate.Samples;
import io.engram.replay.ReservoirBuffer;
import io.engram.state.Binary;
import io.engram.state.Sections;
import java.io.IOException;

/**
 * The last {@code capacity} train examples of the current task, in storage allocated once; with
 * the task's share of the rehearsal buffer it is what consolidation estimates the Fisher on.
 */
final class RecentWindow {

    /** The name of its state section. */
    static final String SECTION = "window";
    /** The layout of its state section; a change to {@link #writeState} bumps it (docs/state-format.md). */
    static final int STATE_VERSION = 1;

    /** Buffer rows read out at a time for the buffer's share. */
    private static final int SHARE_CHUNK = 256;

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

    /** Writes the window as its state section (version 1: size, next slot, the whole storage, labels). */
    void writeState(Sections.Writer state) throws IOException {
        state.section(SECTION, STATE_VERSION, out -> {
            out.writeInt(size);
            out.writeInt(next);
            Binary.floats(out, inputs, labels.length == 0 ? 0 : inputs.length);
            Binary.ints(out, labels);
        });
    }

    /** Reads the section {@link #writeState} wrote into this window, of the same capacity. */
    void readState(Sections.Reader state) throws IOException {
        state.section(SECTION, 1, STATE_VERSION, (in, version) -> {
            int readSize = in.readInt();
            int readNext = in.readInt();
            float[] x = Binary.floats(in);
            int[] y = Binary.ints(in);
            if (x.length != inputs.length || y.length != labels.length) {
                throw new IOException("checkpointed recent window holds " + y.length + " examples of " + (y.length == 0 ? 0
                        : x.length / y.length) + " inputs, this one " + labels.length + " of " + inputSize
                        + ": engram.consolidation.method, engram.consolidation.samples or engram.model.* changed");
            }
            size = readSize;
            next = readNext;
            System.arraycopy(x, 0, inputs, 0, x.length);
            System.arraycopy(y, 0, labels, 0, y.length);
        });
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
     * The buffer's share is copied out of its storage (off the device for the ND4J kernel), in
     * chunks of {@value #SHARE_CHUNK} rows, into at most the window's free room.
     */
    Samples withBufferShare(ReservoirBuffer buffer, int task) {
        int room = labels.length - size;
        int wanted = buffer == null ? 0 : Math.max(0, Math.min(room, buffer.size()));
        float[] shared = new float[wanted * inputSize];
        int[] sharedLabels = new int[wanted];
        int extra = 0;
        if (wanted > 0) {
            java.util.Map<Integer, java.util.List<Integer>> held = new java.util.HashMap<>();
            for (int i = 0; i < size; i++) {
                held.computeIfAbsent(rowHash(inputs, i * inputSize, labels[i]), h -> new java.util.ArrayList<>()).add(i);
            }
            float[] chunk = new float[Math.min(SHARE_CHUNK, buffer.size()) * inputSize];
            for (int from = 0; extra < wanted && from < buffer.size(); from += SHARE_CHUNK) {
                int n = Math.min(SHARE_CHUNK, buffer.size() - from);
                boolean any = false;
                for (int slot = from; slot < from + n && !any; slot++) {
                    any = buffer.task(slot) == task;
                }
                if (!any) {
                    continue;
                }
                buffer.inputs(from, n, chunk, 0);
                for (int i = 0; i < n && extra < wanted; i++) {
                    int slot = from + i;
                    if (buffer.task(slot) == task && !inWindow(held, chunk, i * inputSize, buffer.label(slot))) {
                        System.arraycopy(chunk, i * inputSize, shared, extra * inputSize, inputSize);
                        sharedLabels[extra++] = buffer.label(slot);
                    }
                }
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
                return i < fromWindow ? inputs : shared;
            }

            @Override
            public int offset(int i) {
                return (i < fromWindow ? i : i - fromWindow) * inputSize;
            }

            @Override
            public int label(int i) {
                return i < fromWindow ? labels[i] : sharedLabels[i - fromWindow];
            }
        };
    }
}
