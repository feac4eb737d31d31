package io.engram.consolidate;

/**
 * The examples a Fisher is estimated on: {@code count} inputs of {@code inputSize} floats, each
 * at {@code array(i)} from {@code offset(i)}, with label {@code label(i)}. Rows point into the
 * replay buffer or a recent window; nothing is copied.
 */
public interface Samples {

    int count();

    float[] array(int i);

    int offset(int i);

    int label(int i);
}
