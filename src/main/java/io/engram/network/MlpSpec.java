package io.engram.network;

import java.util.List;

/**
 * The shape of a multilayer perceptron: input size, hidden sizes, classes, hidden activation.
 * The output layer is softmax with cross-entropy.
 *
 * <p>Parameter layout (DL4J's, so a parameter vector is a DL4J {@code MultiLayerNetwork}'s flat
 * parameter vector as is): per layer l, first W_l of shape d_in × d_out in column-major order
 * (element (i, o) at {@code i + o * d_in}, so the weights into output o are contiguous), then
 * the bias b_l (d_out).
 */
public record MlpSpec(int inputSize, List<Integer> hidden, int classes, Activation activation) {

    public MlpSpec {
        hidden = List.copyOf(hidden);
        if (inputSize < 1 || classes < 2 || hidden.stream().anyMatch(h -> h < 1)) {
            throw new IllegalArgumentException("invalid network shape " + inputSize + " " + hidden + " " + classes);
        }
    }

    /** Sizes of every layer's output, input first: [d_0 = input, d_1, ..., d_L = classes]. */
    public int[] sizes() {
        int[] sizes = new int[hidden.size() + 2];
        sizes[0] = inputSize;
        for (int i = 0; i < hidden.size(); i++) {
            sizes[i + 1] = hidden.get(i);
        }
        sizes[sizes.length - 1] = classes;
        return sizes;
    }

    public int layers() {
        return hidden.size() + 1;
    }

    /** Offset of W_l (l from 0) in the flat parameter vector. */
    public int weightOffset(int layer) {
        int[] sizes = sizes();
        int offset = 0;
        for (int l = 0; l < layer; l++) {
            offset += (sizes[l] + 1) * sizes[l + 1];
        }
        return offset;
    }

    /** Offset of b_l in the flat parameter vector. */
    public int biasOffset(int layer) {
        int[] sizes = sizes();
        return weightOffset(layer) + sizes[layer] * sizes[layer + 1];
    }

    public int parameterCount() {
        return weightOffset(layers());
    }

    @Override
    public String toString() {
        return inputSize + "-" + String.join("-", hidden.stream().map(String::valueOf).toList()) + "-" + classes
                + " (" + activation.code() + ")";
    }
}
