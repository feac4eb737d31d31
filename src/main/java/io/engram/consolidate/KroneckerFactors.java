package io.engram.consolidate;

import io.engram.config.LabelMode;
import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.LinearAlgebra;
import io.engram.network.MlpSpec;
import io.engram.network.Network;
import java.util.SplittableRandom;

/**
 * The Kronecker factors of one task's Fisher, per dense layer l (Martens and Grosse 2015):
 *
 * <pre>
 *   A_l = E[ā ā ᵀ]   (d_in+1)², ā = [layer input; 1]
 *   G_l = E[g gᵀ]    d_out²,    g = ∂(−log p(ŷ | x)) / ∂s_l (pre-activations)
 * </pre>
 *
 * estimated over samples in batches: A = ĀᵀĀ / n and G = ΓᵀΓ / n with the per-example rows
 * stacked, as matrix products (Gram matrices), never per-example outer products in Java loops.
 * Matrices are row-major doubles.
 */
public record KroneckerFactors(int[] sizes, double[][] a, double[][] g, int samples) {

    /** Rows a pass: the network the factors are estimated on takes batches of this many. */
    static final int CHUNK = 100;

    public int layers() {
        return a.length;
    }

    /** Estimates the factors of the network with {@code parameters} over {@code samples}, on the JVM kernel. */
    public static KroneckerFactors estimate(MlpSpec spec, float[] parameters, Samples samples, LabelMode mode,
            SplittableRandom random) {
        return estimate(new JvmMlp(spec, CHUNK, parameters), samples, mode, random);
    }

    /**
     * Estimates the factors of {@code net} (batches of {@link #CHUNK} rows; a sibling of the
     * learner's network, so on its backend) over {@code samples}: the forward and backward passes
     * run there, the Gram matrices in double on the host.
     */
    static KroneckerFactors estimate(Network net, Samples samples, LabelMode mode, SplittableRandom random) {
        MlpSpec spec = net.spec();
        int[] sizes = spec.sizes();
        int layers = spec.layers();
        int classes = spec.classes();
        double[][] a = new double[layers][];
        double[][] g = new double[layers][];
        float[][] inputs = new float[layers][];
        float[][] errors = new float[layers][];
        float[][] aCols = new float[layers][];
        float[][] gCols = new float[layers][];
        for (int l = 0; l < layers; l++) {
            a[l] = new double[(sizes[l] + 1) * (sizes[l] + 1)];
            g[l] = new double[sizes[l + 1] * sizes[l + 1]];
            inputs[l] = new float[CHUNK * sizes[l]];
            errors[l] = new float[CHUNK * sizes[l + 1]];
            aCols[l] = new float[(sizes[l] + 1) * CHUNK];
            gCols[l] = new float[sizes[l + 1] * CHUNK];
        }
        float[] probabilities = new float[CHUNK * classes];
        float[] outputErrors = new float[CHUNK * classes];
        Batch batch = new Batch(CHUNK);
        // examples whose inputs would overflow a float Gram matrix (|x|² beyond 1e30) are left out
        int[] usable = new int[samples.count()];
        int n = 0;
        for (int i = 0; i < samples.count(); i++) {
            double norm = 0;
            for (int d = 0; d < sizes[0]; d++) {
                double v = samples.array(i)[samples.offset(i) + d];
                norm += v * v;
            }
            if (norm <= 1e30) {
                usable[n++] = i;
            }
        }
        for (int from = 0; from < n; from += CHUNK) {
            int rows = Math.min(CHUNK, n - from);
            batch.clear();
            for (int r = 0; r < rows; r++) {
                int i = usable[from + r];
                batch.add(samples.array(i), samples.offset(i), samples.label(i));
            }
            net.forwardRecording(batch, inputs, probabilities);
            for (int l = 0; l < layers; l++) {
                // Āᵀ feature-major: feature i's rows contiguous; the bias feature is 1
                int d = sizes[l];
                for (int r = 0; r < rows; r++) {
                    for (int i = 0; i < d; i++) {
                        aCols[l][i * rows + r] = inputs[l][r * d + i];
                    }
                    aCols[l][d * rows + r] = 1f;
                }
                LinearAlgebra.addGram(aCols[l], d + 1, rows, 1.0 / n, a[l]);
            }
            if (mode == LabelMode.EXPECTED) {
                // G = Σ_c p_c g_c g_cᵀ: back-propagate p − e_c for each class, rows weighted by √p_c
                for (int c = 0; c < classes; c++) {
                    for (int r = 0; r < rows; r++) {
                        float weight = (float) Math.sqrt(probabilities[r * classes + c]);
                        for (int k = 0; k < classes; k++) {
                            outputErrors[r * classes + k] = weight * (probabilities[r * classes + k] - (k == c ? 1f : 0f));
                        }
                    }
                    addErrorGrams(net, rows, outputErrors, errors, gCols, sizes, n, g);
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    int target = mode == LabelMode.EMPIRICAL ? batch.label(r) : draw(probabilities, r * classes, classes, random);
                    for (int k = 0; k < classes; k++) {
                        outputErrors[r * classes + k] = probabilities[r * classes + k] - (k == target ? 1f : 0f);
                    }
                }
                addErrorGrams(net, rows, outputErrors, errors, gCols, sizes, n, g);
            }
        }
        return new KroneckerFactors(sizes, a, g, n);
    }

    private static void addErrorGrams(Network net, int rows, float[] outputErrors, float[][] errors, float[][] gCols,
            int[] sizes, int n, double[][] g) {
        net.backpropagateErrors(rows, outputErrors, errors);
        for (int l = 0; l < errors.length; l++) {
            int d = sizes[l + 1];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < d; o++) {
                    gCols[l][o * rows + r] = errors[l][r * d + o];
                }
            }
            LinearAlgebra.addGram(gCols[l], d, rows, 1.0 / n, g[l]);
        }
    }

    /** A class drawn from the probabilities of one row. */
    static int draw(float[] probabilities, int offset, int classes, SplittableRandom random) {
        double u = random.nextDouble();
        double cumulative = 0;
        for (int k = 0; k < classes; k++) {
            cumulative += probabilities[offset + k];
            if (u < cumulative) {
                return k;
            }
        }
        return classes - 1;
    }
}
