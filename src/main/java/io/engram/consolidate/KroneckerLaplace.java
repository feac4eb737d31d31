package io.engram.consolidate;

import io.engram.learn.Prior;

/**
 * The online structured Laplace prior of Ritter, Botev and Barber (2018): the precision adds up
 * over tasks, Λ_t = Λ_{t−1} + A_t ⊗ G_t, kept as one Kronecker pair per layer.
 *
 * <p>Implementation notes. The sum of two Kronecker products is not one; we keep
 * (Â + π A_t) ⊗ (Ĝ + G_t / π), which reproduces both terms plus the cross terms
 * (1/π) Â ⊗ G_t + π A_t ⊗ Ĝ, and choose π to make their trace smallest:
 * π² = (tr Â · tr G_t) / (tr A_t · tr Ĝ) (the "π rule"). Damping is factored Tikhonov
 * (Martens and Grosse 2015, §6.3): (A + π_d √δ I) ⊗ (G + √δ / π_d I) with
 * π_d = √((tr A / dim A) / (tr G / dim G)), added to the eigenvalues after decomposing.
 * State per layer: (d_in+1)² + d_out² doubles.
 */
public final class KroneckerLaplace {

    private final double lambda;
    private final double damping;
    private double[][] a;
    private double[][] g;
    private int[] sizes;
    private int tasks;

    public KroneckerLaplace(double lambda, double damping) {
        this.lambda = lambda;
        this.damping = damping;
    }

    /** Adds one task's factors to the prior. */
    public void add(KroneckerFactors factors) {
        if (a == null) {
            sizes = factors.sizes();
            a = new double[factors.layers()][];
            g = new double[factors.layers()][];
            for (int l = 0; l < factors.layers(); l++) {
                a[l] = factors.a()[l].clone();
                g[l] = factors.g()[l].clone();
            }
        } else {
            for (int l = 0; l < factors.layers(); l++) {
                double pi = piRule(a[l], g[l], factors.a()[l], factors.g()[l]);
                for (int i = 0; i < a[l].length; i++) {
                    a[l][i] += pi * factors.a()[l][i];
                }
                for (int i = 0; i < g[l].length; i++) {
                    g[l][i] += factors.g()[l][i] / pi;
                }
            }
        }
        tasks++;
    }

    /** π² = (tr Â · tr G_t) / (tr A_t · tr Ĝ); 1 when a trace is zero. */
    static double piRule(double[] aSum, double[] gSum, double[] aNew, double[] gNew) {
        double num = trace(aSum) * trace(gNew);
        double den = trace(aNew) * trace(gSum);
        return num > 0 && den > 0 ? Math.sqrt(num / den) : 1.0;
    }

    static double trace(double[] m) {
        int n = (int) Math.round(Math.sqrt(m.length));
        double t = 0;
        for (int i = 0; i < n; i++) {
            t += m[i * n + i];
        }
        return t;
    }

    public int tasks() {
        return tasks;
    }

    /** The summed factor A of layer l (row-major), before damping. */
    public double[] a(int layer) {
        return a[layer];
    }

    public double[] g(int layer) {
        return g[layer];
    }

    /** Floats of state per layer: (d_in+1)² + d_out². */
    public long stateFloats(int layer) {
        return (long) a[layer].length + g[layer].length;
    }

    public void writeTo(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(tasks);
        if (tasks == 0) {
            return;
        }
        io.engram.checkpoint.Binary.ints(out, sizes);
        for (int l = 0; l < a.length; l++) {
            io.engram.checkpoint.Binary.doubles(out, a[l]);
            io.engram.checkpoint.Binary.doubles(out, g[l]);
        }
    }

    public void readFrom(java.io.DataInputStream in) throws java.io.IOException {
        tasks = in.readInt();
        if (tasks == 0) {
            a = null;
            g = null;
            return;
        }
        sizes = io.engram.checkpoint.Binary.ints(in);
        a = new double[sizes.length - 1][];
        g = new double[sizes.length - 1][];
        for (int l = 0; l < a.length; l++) {
            a[l] = io.engram.checkpoint.Binary.doubles(in);
            g[l] = io.engram.checkpoint.Binary.doubles(in);
        }
    }

    /** The prior for the network: damped eigendecompositions of every layer's pair. */
    public Prior.Kronecker prior() {
        Prior.Layer[] layers = new Prior.Layer[a.length];
        for (int l = 0; l < a.length; l++) {
            int dA = sizes[l] + 1;
            int dG = sizes[l + 1];
            double piD = Math.sqrt((trace(a[l]) / dA) / Math.max(trace(g[l]) / dG, 1e-30));
            if (!Double.isFinite(piD) || piD <= 0) {
                piD = 1.0;
            }
            double sqrtDelta = Math.sqrt(damping);
            SymmetricEigen.Result ea = SymmetricEigen.decompose(a[l], dA);
            SymmetricEigen.Result eg = SymmetricEigen.decompose(g[l], dG);
            layers[l] = new Prior.Layer(dA, toFloat(ea.vectors()), damped(ea.values(), piD * sqrtDelta), dG,
                    toFloat(eg.vectors()), damped(eg.values(), sqrtDelta / piD));
        }
        return new Prior.Kronecker((float) lambda, layers);
    }

    /** Eigenvalues clipped at 0 (a Gram matrix is PSD; rounding may make tiny ones negative), plus damping. */
    private static float[] damped(double[] values, double add) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) (Math.max(values[i], 0) + add);
        }
        return out;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
