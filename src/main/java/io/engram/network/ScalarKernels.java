package io.engram.network;

/** {@link Kernels} in plain Java; the JIT vectorises the axpy loops, the dot products use four accumulators. */
final class ScalarKernels implements Kernels {

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[ao + i] * b[bo + i];
            s1 += a[ao + i + 1] * b[bo + i + 1];
            s2 += a[ao + i + 2] * b[bo + i + 2];
            s3 += a[ao + i + 3] * b[bo + i + 3];
        }
        for (; i < n; i++) {
            s0 += a[ao + i] * b[bo + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void dot4(float[] w, int wo, float[] x0, int o0, float[] x1, int o1, float[] x2, int o2, float[] x3, int o3,
            int n, float[] out) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        for (int i = 0; i < n; i++) {
            float wi = w[wo + i];
            s0 += wi * x0[o0 + i];
            s1 += wi * x1[o1 + i];
            s2 += wi * x2[o2 + i];
            s3 += wi * x3[o3 + i];
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    @Override
    public void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    @Override
    public void axpy4(float a0, float[] x0, int o0, float a1, float[] x1, int o1, float a2, float[] x2, int o2,
            float a3, float[] x3, int o3, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] += a0 * x0[o0 + i] + a1 * x1[o1 + i] + a2 * x2[o2 + i] + a3 * x3[o3 + i];
        }
    }

    @Override
    public void dot4x4(float[] w, int wo, int stride, float[] x0, int o0, float[] x1, int o1, float[] x2, int o2,
            float[] x3, int o3, int n, float[] out) {
        for (int k = 0; k < 4; k++) {
            int row = wo + k * stride;
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            for (int i = 0; i < n; i++) {
                float wi = w[row + i];
                s0 += wi * x0[o0 + i];
                s1 += wi * x1[o1 + i];
                s2 += wi * x2[o2 + i];
                s3 += wi * x3[o3 + i];
            }
            out[4 * k] = s0;
            out[4 * k + 1] = s1;
            out[4 * k + 2] = s2;
            out[4 * k + 3] = s3;
        }
    }

    @Override
    public void axpy4x4(float[] g, float[] x0, int o0, float[] x1, int o1, float[] x2, int o2, float[] x3, int o3,
            float[] w, int wo, int stride, int n) {
        for (int k = 0; k < 4; k++) {
            axpy4(g[4 * k], x0, o0, g[4 * k + 1], x1, o1, g[4 * k + 2], x2, o2, g[4 * k + 3], x3, o3, w, wo + k * stride, n);
        }
    }
}
