package io.engram.data;

/** A benchmark stream of Fashion-MNIST tasks: which train images each task uses and how it transforms images. */
public interface TaskStream {

    int tasks();

    int perTask();

    int evalPerTask();

    /** Indices into the train set of task {@code task}'s examples, in stream order. */
    int[] trainIndices(int task);

    /** Writes task {@code task}'s version of {@code image} into {@code into}. */
    void transform(float[] image, int task, float[] into);

    /** A short name of the transformation, e.g. "permuted". */
    String kind();
}
