package io.engram.network;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Kernels} with the incubating Vector API: fused multiply-adds over the widest SIMD
 * registers of the machine (16 floats with AVX-512, 8 with AVX2), scalar tails.
 */
final class VectorKernels implements Kernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        int i = 0;
        int bound2 = n - 2 * L;
        for (; i <= bound2; i += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(S, a, ao + i + L).fma(FloatVector.fromArray(S, b, bo + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc0);
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    @Override
    public void dot4(float[] w, int wo, float[] x0, int o0, float[] x1, int o1, float[] x2, int o2, float[] x3, int o3,
            int n, float[] out) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector wv = FloatVector.fromArray(S, w, wo + i);
            s0 = wv.fma(FloatVector.fromArray(S, x0, o0 + i), s0);
            s1 = wv.fma(FloatVector.fromArray(S, x1, o1 + i), s1);
            s2 = wv.fma(FloatVector.fromArray(S, x2, o2 + i), s2);
            s3 = wv.fma(FloatVector.fromArray(S, x3, o3 + i), s3);
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD);
        float r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD);
        float r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float wi = w[wo + i];
            r0 += wi * x0[o0 + i];
            r1 += wi * x1[o1 + i];
            r2 += wi * x2[o2 + i];
            r3 += wi * x3[o3 + i];
        }
        out[0] = r0;
        out[1] = r1;
        out[2] = r2;
        out[3] = r3;
    }

    @Override
    public void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, xo + i).fma(av, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    @Override
    public void axpy4(float a0, float[] x0, int o0, float a1, float[] x1, int o1, float a2, float[] x2, int o2,
            float a3, float[] x3, int o3, float[] y, int yo, int n) {
        FloatVector v0 = FloatVector.broadcast(S, a0);
        FloatVector v1 = FloatVector.broadcast(S, a1);
        FloatVector v2 = FloatVector.broadcast(S, a2);
        FloatVector v3 = FloatVector.broadcast(S, a3);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector acc = FloatVector.fromArray(S, y, yo + i);
            acc = FloatVector.fromArray(S, x0, o0 + i).fma(v0, acc);
            acc = FloatVector.fromArray(S, x1, o1 + i).fma(v1, acc);
            acc = FloatVector.fromArray(S, x2, o2 + i).fma(v2, acc);
            acc = FloatVector.fromArray(S, x3, o3 + i).fma(v3, acc);
            acc.intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a0 * x0[o0 + i] + a1 * x1[o1 + i] + a2 * x2[o2 + i] + a3 * x3[o3 + i];
        }
    }

    @Override
    public void dot4x4(float[] weights, int wo, int stride, float[] x0, int o0, float[] x1, int o1, float[] x2, int o2,
            float[] x3, int o3, int n, float[] out) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S), a03 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S), a13 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S), a23 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S), a32 = FloatVector.zero(S), a33 = FloatVector.zero(S);
        int w1 = wo + stride;
        int w2 = wo + 2 * stride;
        int w3 = wo + 3 * stride;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, o0 + i);
            FloatVector v1 = FloatVector.fromArray(S, x1, o1 + i);
            FloatVector v2 = FloatVector.fromArray(S, x2, o2 + i);
            FloatVector v3 = FloatVector.fromArray(S, x3, o3 + i);
            FloatVector w = FloatVector.fromArray(S, weights, wo + i);
            a00 = w.fma(v0, a00);
            a01 = w.fma(v1, a01);
            a02 = w.fma(v2, a02);
            a03 = w.fma(v3, a03);
            w = FloatVector.fromArray(S, weights, w1 + i);
            a10 = w.fma(v0, a10);
            a11 = w.fma(v1, a11);
            a12 = w.fma(v2, a12);
            a13 = w.fma(v3, a13);
            w = FloatVector.fromArray(S, weights, w2 + i);
            a20 = w.fma(v0, a20);
            a21 = w.fma(v1, a21);
            a22 = w.fma(v2, a22);
            a23 = w.fma(v3, a23);
            w = FloatVector.fromArray(S, weights, w3 + i);
            a30 = w.fma(v0, a30);
            a31 = w.fma(v1, a31);
            a32 = w.fma(v2, a32);
            a33 = w.fma(v3, a33);
        }
        out[0] = a00.reduceLanes(VectorOperators.ADD);
        out[1] = a01.reduceLanes(VectorOperators.ADD);
        out[2] = a02.reduceLanes(VectorOperators.ADD);
        out[3] = a03.reduceLanes(VectorOperators.ADD);
        out[4] = a10.reduceLanes(VectorOperators.ADD);
        out[5] = a11.reduceLanes(VectorOperators.ADD);
        out[6] = a12.reduceLanes(VectorOperators.ADD);
        out[7] = a13.reduceLanes(VectorOperators.ADD);
        out[8] = a20.reduceLanes(VectorOperators.ADD);
        out[9] = a21.reduceLanes(VectorOperators.ADD);
        out[10] = a22.reduceLanes(VectorOperators.ADD);
        out[11] = a23.reduceLanes(VectorOperators.ADD);
        out[12] = a30.reduceLanes(VectorOperators.ADD);
        out[13] = a31.reduceLanes(VectorOperators.ADD);
        out[14] = a32.reduceLanes(VectorOperators.ADD);
        out[15] = a33.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float v0 = x0[o0 + i], v1 = x1[o1 + i], v2 = x2[o2 + i], v3 = x3[o3 + i];
            for (int k = 0; k < 4; k++) {
                float wk = weights[wo + k * stride + i];
                out[4 * k] += wk * v0;
                out[4 * k + 1] += wk * v1;
                out[4 * k + 2] += wk * v2;
                out[4 * k + 3] += wk * v3;
            }
        }
    }

    @Override
    public void axpy4x4(float[] g, float[] x0, int o0, float[] x1, int o1, float[] x2, int o2, float[] x3, int o3,
            float[] w, int wo, int stride, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, o0 + i);
            FloatVector v1 = FloatVector.fromArray(S, x1, o1 + i);
            FloatVector v2 = FloatVector.fromArray(S, x2, o2 + i);
            FloatVector v3 = FloatVector.fromArray(S, x3, o3 + i);
            for (int k = 0; k < 4; k++) {
                int at = wo + k * stride + i;
                FloatVector acc = FloatVector.fromArray(S, w, at);
                acc = v0.fma(FloatVector.broadcast(S, g[4 * k]), acc);
                acc = v1.fma(FloatVector.broadcast(S, g[4 * k + 1]), acc);
                acc = v2.fma(FloatVector.broadcast(S, g[4 * k + 2]), acc);
                acc = v3.fma(FloatVector.broadcast(S, g[4 * k + 3]), acc);
                acc.intoArray(w, at);
            }
        }
        for (; i < n; i++) {
            float v0 = x0[o0 + i], v1 = x1[o1 + i], v2 = x2[o2 + i], v3 = x3[o3 + i];
            for (int k = 0; k < 4; k++) {
                w[wo + k * stride + i] += g[4 * k] * v0 + g[4 * k + 1] * v1 + g[4 * k + 2] * v2 + g[4 * k + 3] * v3;
            }
        }
    }
}
