package io.engram.replay;

import io.engram.state.StateText;

/** A rehearsal buffer's state as exact text: shape, counters, every row's inputs, label and task, group counts. */
public final class BufferText {

    private BufferText() {
    }

    public static String of(ReservoirBuffer buffer) {
        StateText text = new StateText().line("capacity", buffer.capacity()).line("input size", buffer.inputSize())
                .line("policy", buffer.policy()).line("size", buffer.size()).line("seen", buffer.seen());
        for (int slot = 0; slot < buffer.size(); slot++) {
            float[] x = new float[buffer.inputSize()];
            buffer.inputs(slot, 1, x, 0);
            text.line("row " + slot + " label", buffer.label(slot)).line("row " + slot + " task", buffer.task(slot))
                    .floats("row " + slot + " x", x, 0, x.length);
        }
        return text.longs("group seen", buffer.groupSeen()).toString();
    }
}
