package io.engram.network;

/**
 * The inner loops of {@link JvmMlp} and of the prior's step behind {@link PriorStep}: dot products and axpy updates over float arrays, one row
 * or four rows at a time (four rows share each load of the weights). Two implementations give
 * the same results to float rounding: {@link ScalarKernels} (plain Java) and
 * {@link VectorKernels} (the incubating Vector API, SIMD of the machine's widest width), chosen
 * by {@link #best()}.
 */
public interface Kernels {

    /** Σ a[ao+i] b[bo+i], i < n. */
    float dot(float[] a, int ao, float[] b, int bo, int n);

    /** out[0..3] = Σ w[wo+i] x_r[xo_r+i] for four inputs x_r sharing the weights w. */
    void dot4(float[] w, int wo, float[] x0, int o0, float[] x1, int o1, float[] x2, int o2, float[] x3, int o3,
            int n, float[] out);

    /** y[yo+i] += alpha x[xo+i]. */
    void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n);

    /** y[yo+i] += Σ_r alpha_r x_r[xo_r+i] for four inputs, one pass over y. */
    void axpy4(float a0, float[] x0, int o0, float a1, float[] x1, int o1, float a2, float[] x2, int o2,
            float a3, float[] x3, int o3, float[] y, int yo, int n);

    /**
     * A 4×4 block of dot products: out[4k + r] = Σ_i w[wo + k·stride + i] x_r[o_r + i] for four
     * weight rows k and four inputs r; each loaded chunk is used four times.
     */
    void dot4x4(float[] w, int wo, int stride, float[] x0, int o0, float[] x1, int o1, float[] x2, int o2,
            float[] x3, int o3, int n, float[] out);

    /** A 4×4 block of rank-one updates: w[wo + k·stride + i] += Σ_r g[4k + r] x_r[o_r + i]. */
    void axpy4x4(float[] g, float[] x0, int o0, float[] x1, int o1, float[] x2, int o2, float[] x3, int o3,
            float[] w, int wo, int stride, int n);

    /** The Vector API kernels when the JVM runs with {@code --add-modules jdk.incubator.vector}, else scalar. */
    static Kernels best() {
        if (VECTOR_DISABLED) {
            return new ScalarKernels();
        }
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? VectorKernelsHolder.create()
                : new ScalarKernels();
    }

    /** {@code -Dengram.kernels=scalar} forces the plain Java kernels (for comparison). */
    boolean VECTOR_DISABLED = "scalar".equals(System.getProperty("engram.kernels"));

    /** Loads {@link VectorKernels} only when the module is there, so its absence is no error. */
    final class VectorKernelsHolder {
        private VectorKernelsHolder() {
        }

        static Kernels create() {
            return new VectorKernels();
        }
    }
}
