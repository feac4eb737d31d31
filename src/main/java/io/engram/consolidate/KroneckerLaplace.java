package io.engram.consolidate;

import io.engram.network.Prior;

/**
 * The online structured Laplace prior of Ritter, Botev and Barber (2018): the precision adds up
 * over tasks, Λ_T = Σ_t A_t ⊗ G_t, kept as one Kronecker pair per layer.
 *
 * <p>Implementation notes. A sum of Kronecker products is not one. The pair kept is the
 * trace-preserving one, S_A ⊗ Ĝ with S_A = Σ_t A_t and Ĝ = Σ_t (tr A_t / tr S_A) G_t, updated per
 * task as Ĝ ← (tr S_A Ĝ + tr A_T G_T) / (tr S_A + tr A_T), S_A ← S_A + A_T. It is exact when the
 * tasks' G_t are equal (T identical tasks give T·A⊗G), its trace is always the sum's,
 * tr(S_A ⊗ Ĝ) = Σ_t tr A_t tr G_t, and it costs what one pair costs: (d_in+1)² + d_out² doubles
 * per layer, two matrix additions per task. (Adding (Â + πA_t) ⊗ (Ĝ + G_t/π), the "π rule",
 * keeps the cross terms Â⊗G_t/π + πA_t⊗Ĝ: T identical tasks give T²·A⊗G, a prior that stiffens as
 * tasks accumulate.) Damping is factored Tikhonov (Martens and Grosse 2015, §6.3):
 * (A + π_d √δ I) ⊗ (G + √δ / π_d I) with π_d = √((tr A / dim A) / (tr G / dim G)), added to the
 * eigenvalues after decomposing.
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

    /** Adds one task's factors to the prior: S_A += A_t, Ĝ ← the tr A-weighted mean of the G_t. */
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
                double before = trace(a[l]);
                double added = trace(factors.a()[l]);
                double total = before + added;
                double keep = total > 0 ? before / total : 0.5;
                double take = total > 0 ? added / total : 0.5;
                for (int i = 0; i < a[l].length; i++) {
                    a[l][i] += factors.a()[l][i];
                }
                for (int i = 0; i < g[l].length; i++) {
                    g[l][i] = keep * g[l][i] + take * factors.g()[l][i];
                }
            }
        }
        tasks++;
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

    /** Layers with a factor pair; 0 before the first task. */
    int layers() {
        return a == null ? 0 : a.length;
    }

    /** S_A of layer l, the sum of the tasks' A (row-major), before damping. */
    public double[] a(int layer) {
        return a[layer];
    }

    /** Ĝ of layer l, the tasks' G weighted by tr A_t / tr S_A (row-major), before damping. */
    public double[] g(int layer) {
        return g[layer];
    }

    /** Floats of state per layer: (d_in+1)² + d_out². */
    public long stateFloats(int layer) {
        return (long) a[layer].length + g[layer].length;
    }

    /** Writes the prior: part of the K-FAC consolidator's state section, whose version a change here bumps. */
    void writeTo(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeInt(tasks);
        if (tasks == 0) {
            return;
        }
        io.engram.state.Binary.ints(out, sizes);
        for (int l = 0; l < a.length; l++) {
            io.engram.state.Binary.doubles(out, a[l]);
            io.engram.state.Binary.doubles(out, g[l]);
        }
    }

    /** Reads what {@link #writeTo} wrote. */
    void readFrom(java.io.DataInputStream in) throws java.io.IOException {
        tasks = in.readInt();
        if (tasks == 0) {
            a = null;
            g = null;
            return;
        }
        sizes = io.engram.state.Binary.ints(in);
        a = new double[sizes.length - 1][];
        g = new double[sizes.length - 1][];
        for (int l = 0; l < a.length; l++) {
            a[l] = io.engram.state.Binary.doubles(in);
            g[l] = io.engram.state.Binary.doubles(in);
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
