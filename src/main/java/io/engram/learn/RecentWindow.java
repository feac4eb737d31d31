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

    void clear() {
        size = 0;
        next = 0;
    }

    /** The window's examples, then buffer examples of {@code task} not already covered, up to the window's capacity. */
    Samples withBufferShare(ReservoirBuffer buffer, int task) {
        int room = labels.length - size;
        int[] slots = new int[Math.max(0, Math.min(room, buffer.size()))];
        int extra = 0;
        for (int slot = 0; slot < buffer.size() && extra < slots.length; slot++) {
            if (buffer.task(slot) == task) {
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
