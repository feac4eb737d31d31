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
            text.line("row " + slot + " label", buffer.label(slot)).line("row " + slot + " task", buffer.task(slot))
                    .floats("row " + slot + " x", buffer.inputs(), buffer.offset(slot), buffer.offset(slot) + buffer.inputSize());
        }
        return text.longs("group seen", buffer.groupSeen()).toString();
    }
}
