package io.engram.network;

/** Dense products the consolidation stage needs, on the same SIMD kernels as the network. */
public final class LinearAlgebra {

    private static final Kernels KERNELS = Kernels.best();

    private LinearAlgebra() {
    }

    /**
     * into[i·dim + j] += weight · Σ_r cols[i·count + r] · cols[j·count + r] for all i, j: the Gram
     * matrix of {@code count} samples stored feature-major (feature i's samples contiguous from
     * {@code i·count}). Computed on the upper triangle in 4×4 blocks, mirrored, accumulated in double.
     */
    public static void addGram(float[] cols, int dim, int count, double weight, double[] into) {
        float[] block = new float[16];
        int i = 0;
        for (; i + 3 < dim; i += 4) {
            int j = i;
            for (; j + 3 < dim; j += 4) {
                KERNELS.dot4x4(cols, i * count, count, cols, j * count, cols, (j + 1) * count, cols, (j + 2) * count,
                        cols, (j + 3) * count, count, block);
                for (int a = 0; a < 4; a++) {
                    for (int b = 0; b < 4; b++) {
                        double v = weight * block[4 * a + b];
                        into[(i + a) * dim + j + b] += v;
                        if (j != i) {
                            into[(j + b) * dim + i + a] += v;
                        }
                    }
                }
            }
            for (; j < dim; j++) {
                for (int a = 0; a < 4; a++) {
                    double v = weight * KERNELS.dot(cols, (i + a) * count, cols, j * count, count);
                    into[(i + a) * dim + j] += v;
                    into[j * dim + i + a] += v;
                }
            }
        }
        for (; i < dim; i++) {
            for (int j = i; j < dim; j++) {
                double v = weight * KERNELS.dot(cols, i * count, cols, j * count, count);
                into[i * dim + j] += v;
                if (j != i) {
                    into[j * dim + i] += v;
                }
            }
        }
    }
}
