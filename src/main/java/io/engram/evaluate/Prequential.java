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

    public void writeTo(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(size);
        out.writeInt(next);
        out.writeInt(outcomes.length);
        for (boolean o : outcomes) {
            out.writeBoolean(o);
        }
    }

    public void readFrom(java.io.DataInputStream in) throws java.io.IOException {
        int s = in.readInt();
        int n = in.readInt();
        int length = in.readInt();
        boolean[] read = new boolean[length];
        for (int i = 0; i < length; i++) {
            read[i] = in.readBoolean();
        }
        if (length != outcomes.length) {
            return; // window size changed: start the window afresh
        }
        size = s;
        next = n;
        correct = 0;
        for (int i = 0; i < length; i++) {
            outcomes[i] = read[i];
        }
        for (int i = 0; i < size; i++) {
            correct += outcomes[(next - 1 - i + length) % length] ? 1 : 0;
        }
    }

    public boolean enabled() {
        return outcomes.length > 0;
    }
}
