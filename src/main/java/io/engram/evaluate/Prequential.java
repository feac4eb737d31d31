package io.engram.evaluate;

/**
 * Prequential (test-then-train) accuracy over a sliding window: each train example is first
 * predicted, then learned; the window holds the last {@code window} outcomes.
 */
public final class Prequential {

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

    public boolean enabled() {
        return outcomes.length > 0;
    }
}
