package io.engram.learn;

/**
 * A brute-force MLP in double precision, written from the definitions with no shared code: the
 * reference the kernels are checked against.
 */
final class ReferenceMlp {

    private ReferenceMlp() {
    }

    /** Softmax probabilities of x under the parameters p (Engram/DL4J layout). */
    static double[] probabilities(MlpSpec spec, double[] p, float[] x, int xo) {
        int[] sizes = spec.sizes();
        double[] a = new double[sizes[0]];
        for (int i = 0; i < a.length; i++) {
            a[i] = x[xo + i];
        }
        for (int l = 0; l < spec.layers(); l++) {
            int w = spec.weightOffset(l);
            int b = spec.biasOffset(l);
            double[] s = new double[sizes[l + 1]];
            for (int o = 0; o < s.length; o++) {
                double sum = p[b + o];
                for (int i = 0; i < sizes[l]; i++) {
                    sum += p[w + i + o * sizes[l]] * a[i]; // W(i, o) column-major
                }
                s[o] = sum;
            }
            if (l == spec.layers() - 1) {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : s) {
                    max = Math.max(max, v);
                }
                double z = 0;
                for (int o = 0; o < s.length; o++) {
                    s[o] = Math.exp(s[o] - max);
                    z += s[o];
                }
                for (int o = 0; o < s.length; o++) {
                    s[o] /= z;
                }
            } else {
                for (int o = 0; o < s.length; o++) {
                    s[o] = switch (spec.activation()) {
                        case RELU -> Math.max(0, s[o]);
                        case TANH -> Math.tanh(s[o]);
                        case SIGMOID -> 1 / (1 + Math.exp(-s[o]));
                    };
                }
            }
            a = s;
        }
        return a;
    }

    /** Mean cross-entropy of a batch. */
    static double loss(MlpSpec spec, double[] p, Batch batch) {
        double loss = 0;
        for (int r = 0; r < batch.size(); r++) {
            loss -= Math.log(probabilities(spec, p, batch.array(r), batch.offset(r))[batch.label(r)]);
        }
        return loss / batch.size();
    }

    /** Central finite differences of the mean loss, in double. */
    static double[] numericalGradient(MlpSpec spec, float[] parameters, Batch batch, double eps) {
        double[] p = new double[parameters.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = parameters[i];
        }
        double[] g = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double keep = p[i];
            p[i] = keep + eps;
            double up = loss(spec, p, batch);
            p[i] = keep - eps;
            double down = loss(spec, p, batch);
            p[i] = keep;
            g[i] = (up - down) / (2 * eps);
        }
        return g;
    }
}
