package io.engram.network;

/**
 * A brute-force MLP in double precision, written from the definitions with no shared code: the
 * reference the kernels are checked against.
 */
public final class ReferenceMlp {

    private ReferenceMlp() {
    }

    /** Softmax probabilities of x under the parameters p (Engram/DL4J layout). */
    static double[] probabilities(MlpSpec spec, double[] p, float[] x, int xo) {
        return probabilities(spec, p, x, xo, -1, -1, 0);
    }

    /** −log p(y | x) with ε added to pre-activation {@code unit} of layer {@code shiftLayer} (for finite differences). */
    public static double lossWithShift(MlpSpec spec, double[] p, float[] x, int xo, int y, int shiftLayer, int unit, double eps) {
        return -Math.log(probabilities(spec, p, x, xo, shiftLayer, unit, eps)[y]);
    }

    /** Layer inputs of x (a_0 = x, a_1, ...), in double. */
    public static double[][] layerInputs(MlpSpec spec, double[] p, float[] x, int xo) {
        double[][] inputs = new double[spec.layers()][];
        int[] sizes = spec.sizes();
        double[] a = new double[sizes[0]];
        for (int i = 0; i < a.length; i++) {
            a[i] = x[xo + i];
        }
        for (int l = 0; l < spec.layers(); l++) {
            inputs[l] = a;
            a = layer(spec, p, l, a, -1, 0);
        }
        return inputs;
    }

    private static double[] layer(MlpSpec spec, double[] p, int l, double[] a, int unit, double eps) {
        int[] sizes = spec.sizes();
        int w = spec.weightOffset(l);
        int b = spec.biasOffset(l);
        double[] s = new double[sizes[l + 1]];
        for (int o = 0; o < s.length; o++) {
            double sum = p[b + o];
            for (int i = 0; i < sizes[l]; i++) {
                sum += p[w + i + o * sizes[l]] * a[i];
            }
            s[o] = sum + (o == unit ? eps : 0);
        }
        if (l < spec.layers() - 1) {
            for (int o = 0; o < s.length; o++) {
                s[o] = switch (spec.activation()) {
                    case RELU -> Math.max(0, s[o]);
                    case TANH -> Math.tanh(s[o]);
                    case SIGMOID -> 1 / (1 + Math.exp(-s[o]));
                };
            }
        }
        return s;
    }

    static double[] probabilities(MlpSpec spec, double[] p, float[] x, int xo, int shiftLayer, int unit, double eps) {
        int[] sizes0 = spec.sizes();
        double[] a0 = new double[sizes0[0]];
        for (int i = 0; i < a0.length; i++) {
            a0[i] = x[xo + i];
        }
        double[] h = a0;
        for (int l = 0; l < spec.layers(); l++) {
            h = layer(spec, p, l, h, l == shiftLayer ? unit : -1, eps);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double v : h) {
            max = Math.max(max, v);
        }
        double z = 0;
        double[] out = new double[h.length];
        for (int o = 0; o < h.length; o++) {
            out[o] = Math.exp(h[o] - max);
            z += out[o];
        }
        for (int o = 0; o < h.length; o++) {
            out[o] /= z;
        }
        return out;
    }

    /** Mean cross-entropy of a batch. */
    public static double loss(MlpSpec spec, double[] p, Batch batch) {
        double loss = 0;
        for (int r = 0; r < batch.size(); r++) {
            loss -= Math.log(probabilities(spec, p, batch.array(r), batch.offset(r))[batch.label(r)]);
        }
        return loss / batch.size();
    }

    /** Central finite differences of the mean loss, in double. */
    public static double[] numericalGradient(MlpSpec spec, float[] parameters, Batch batch, double eps) {
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
