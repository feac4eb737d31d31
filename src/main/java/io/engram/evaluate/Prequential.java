package io.engram.evaluate;

import io.engram.state.Sections;

/**
 * Prequential (test-then-train) accuracy over a sliding window: each train example is first
 * predicted, then learned; the window holds the last {@code window} outcomes.
 */
public final class Prequential {

    /** The name of its state section. */
    public static final String SECTION = "prequential";
    /** The layout of its state section; a change to {@link #writeState} bumps it (docs/state-format.md). */
    static final int STATE_VERSION = 1;

    private final boolean[] outcomes;
    private int size;
    private int next;
    private int correct;

    public Prequential(int window) {
        this.outcomes = new boolean[window];
    }

    public void record(boolean right) {
        if (outcomes.length == 0) {
            return;
        }
        if (size == outcomes.length) {
            correct -= outcomes[next] ? 1 : 0;
        } else {
            size++;
        }
        outcomes[next] = right;
        correct += right ? 1 : 0;
        next = (next + 1) % outcomes.length;
    }

    /** Accuracy over the window, null before any outcome. */
    public Double accuracy() {
        return size == 0 ? null : correct / (double) size;
    }

    /** Writes the window as its state section (version 1: size, next slot, window length, every outcome). */
    public void writeState(Sections.Writer state) throws java.io.IOException {
        state.section(SECTION, STATE_VERSION, out -> {
            out.writeInt(size);
            out.writeInt(next);
            out.writeInt(outcomes.length);
            for (boolean o : outcomes) {
                out.writeBoolean(o);
            }
        });
    }

    /** Reads the section {@link #writeState} wrote; a window of another length is started afresh. */
    public void readState(Sections.Reader state) throws java.io.IOException {
        state.section(SECTION, 1, STATE_VERSION, (in, version) -> {
            int s = in.readInt();
            int n = in.readInt();
            int length = in.readInt();
            boolean[] read = new boolean[length];
            for (int i = 0; i < length; i++) {
                read[i] = in.readBoolean();
            }
            if (length != outcomes.length) {
                return; // engram.evaluation.prequential-window changed: start the window afresh
            }
            size = s;
            next = n;
            correct = 0;
            System.arraycopy(read, 0, outcomes, 0, length);
            for (int i = 0; i < size; i++) {
                correct += outcomes[(next - 1 - i + length) % length] ? 1 : 0;
            }
        });
    }

    /** Outcomes held, at most the window. */
    int size() {
        return size;
    }

    /** The i-th oldest outcome held. */
    boolean outcome(int i) {
        return outcomes[(next - size + i + outcomes.length) % outcomes.length];
    }

    public boolean enabled() {
        return outcomes.length > 0;
    }
}
