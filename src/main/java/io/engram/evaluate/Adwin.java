package io.engram.evaluate;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * ADWIN2, the adaptive window of Bifet and Gavaldà, "Learning from Time-Changing Data with
 * Adaptive Windowing" (SDM 2007): a window W of the most recent values in [0, 1] that is as long as
 * the data allow under the hypothesis "the mean has not changed within W". After each value, while
 * some split W = W0 · W1 (W1 the newer part) has |μ̂_W0 − μ̂_W1| ≥ ε_cut, the oldest bucket is dropped.
 *
 * <p>Implementation notes. The window is the paper's exponential histogram (Section 4): buckets
 * of 2^i values, at most {@link #M} of each size; when an (M+1)-th bucket of size 2^i appears, the
 * two oldest of that size merge into one of size 2^(i+1). Each bucket keeps the sum of its values
 * and the sum of squared deviations from its mean, so the window's mean and variance are exact and
 * the splits checked are the bucket borders, O(M log W) of them. ε_cut is the paper's bound "used in
 * all our implementations" (Section 3):
 *
 * <pre>
 *   m = 1 / (1/n0 + 1/n1)          (harmonic mean of the two parts' lengths)
 *   δ' = δ / ln n                  (n = |W|; the O(log n) splits checked)
 *   ε_cut = sqrt((2/m) σ²_W ln(2/δ')) + (2/(3m)) ln(2/δ')
 * </pre>
 *
 * with σ²_W the observed variance of W. Theorem 3.1: while the mean is constant, the probability
 * that a step shrinks the window is at most δ; a change of the mean by more than 2ε_cut between W0
 * and W1 is caught (W shrunk to W1 or shorter) with probability at least 1 − δ. Memory: at most
 * M + 1 buckets per size and 63 sizes, whatever the stream's length.
 */
public final class Adwin {

    /** M of the paper: buckets of each size kept; its experiments use 5. */
    static final int M = 5;
    /** Bucket sizes 2^0 .. 2^62: a window of a long's range. */
    private static final int LEVELS = 63;

    private final double delta;
    private final double[][] sums = new double[LEVELS][M + 1];
    private final double[][] squares = new double[LEVELS][M + 1];
    private final int[] counts = new int[LEVELS];
    private int levels;
    private long width;
    private double total;
    /** Σ (x − μ̂_W)² over the window. */
    private double squaredDeviations;

    /** @param delta the confidence δ of the cut, in (0, 1) */
    public Adwin(double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("ADWIN's delta must be in (0, 1), got " + delta);
        }
        this.delta = delta;
    }

    /**
     * Adds one value in [0, 1] as the newest, then drops the oldest buckets while a split of the
     * window shows a change; returns whether the window shrank.
     */
    public boolean add(double x) {
        if (!(x >= 0 && x <= 1)) {
            throw new IllegalArgumentException("ADWIN takes values in [0, 1], got " + x);
        }
        if (width > 0) {
            double mean = total / width;
            squaredDeviations += width / (width + 1.0) * (x - mean) * (x - mean);
        }
        width++;
        total += x;
        counts[0]++;
        sums[0][counts[0] - 1] = x;
        squares[0][counts[0] - 1] = 0;
        levels = Math.max(levels, 1);
        compress();
        boolean shrank = false;
        while (cutExists()) {
            dropOldest();
            shrank = true;
        }
        return shrank;
    }

    /** Values in the window. */
    public long width() {
        return width;
    }

    /** μ̂_W, 0 for an empty window. */
    public double mean() {
        return width == 0 ? 0 : total / width;
    }

    /** σ²_W, the observed variance of the window's values. */
    public double variance() {
        return width == 0 ? 0 : Math.max(0, squaredDeviations / width);
    }

    public double delta() {
        return delta;
    }

    /** ε_cut for a split into parts of n0 and n1 values of a window of n0 + n1 values with variance σ². */
    static double epsilonCut(long n0, long n1, double variance, double delta) {
        double m = 1.0 / (1.0 / n0 + 1.0 / n1);
        double log = Math.log(2 * Math.log(n0 + n1) / delta);
        return Math.sqrt(2 / m * variance * log) + 2 / (3 * m) * log;
    }

    /** Bucket sizes from the oldest to the newest: the borders are the splits checked. */
    long[] bucketSizes() {
        int n = 0;
        for (int i = 0; i < levels; i++) {
            n += counts[i];
        }
        long[] sizes = new long[n];
        int k = 0;
        for (int i = levels - 1; i >= 0; i--) {
            for (int b = 0; b < counts[i]; b++) {
                sizes[k++] = 1L << i;
            }
        }
        return sizes;
    }

    /** Each bucket's sum and squared deviations from its mean, from the oldest to the newest (for state tests). */
    double[][] buckets() {
        long[] sizes = bucketSizes();
        double[][] rows = new double[sizes.length][];
        int k = 0;
        for (int i = levels - 1; i >= 0; i--) {
            for (int b = 0; b < counts[i]; b++) {
                rows[k++] = new double[] {sums[i][b], squares[i][b]};
            }
        }
        return rows;
    }

    /** Σ (x − μ̂_W)² over the window, as kept. */
    double squaredDeviations() {
        return squaredDeviations;
    }

    /** Σ x over the window, as kept. */
    double total() {
        return total;
    }

    private boolean cutExists() {
        if (width < 2) {
            return false;
        }
        double variance = variance();
        long n0 = 0;
        double s0 = 0;
        for (int i = levels - 1; i >= 0; i--) {
            for (int b = 0; b < counts[i]; b++) {
                n0 += 1L << i;
                s0 += sums[i][b];
                long n1 = width - n0;
                if (n1 == 0) {
                    return false;
                }
                if (Math.abs(s0 / n0 - (total - s0) / n1) >= epsilonCut(n0, n1, variance, delta)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** An (M+1)-th bucket of size 2^i: the two oldest of that size become the newest of size 2^(i+1). */
    private void compress() {
        for (int i = 0; i < LEVELS - 1 && counts[i] > M; i++) {
            double n = 1L << i;
            double mean0 = sums[i][0] / n;
            double mean1 = sums[i][1] / n;
            int j = counts[i + 1];
            sums[i + 1][j] = sums[i][0] + sums[i][1];
            squares[i + 1][j] = squares[i][0] + squares[i][1] + n / 2 * (mean0 - mean1) * (mean0 - mean1);
            counts[i + 1]++;
            shift(i, 2);
            levels = Math.max(levels, i + 2);
        }
    }

    /** Drops the oldest bucket (the first of the largest size). */
    private void dropOldest() {
        int i = levels - 1;
        double n = 1L << i;
        double sum = sums[i][0];
        long rest = width - (1L << i);
        if (rest > 0) {
            double restMean = (total - sum) / rest;
            double mean = sum / n;
            squaredDeviations -= squares[i][0] + n * rest / (n + rest) * (mean - restMean) * (mean - restMean);
        } else {
            squaredDeviations = 0;
        }
        width = rest;
        total -= sum;
        shift(i, 1);
        while (levels > 0 && counts[levels - 1] == 0) {
            levels--;
        }
    }

    private void shift(int level, int by) {
        int n = counts[level] - by;
        System.arraycopy(sums[level], by, sums[level], 0, n);
        System.arraycopy(squares[level], by, squares[level], 0, n);
        counts[level] = n;
    }

    /** Writes the window: width, sum, squared deviations, then per size in use its buckets (sum, squared deviations). */
    void write(DataOutputStream out) throws IOException {
        out.writeLong(width);
        out.writeDouble(total);
        out.writeDouble(squaredDeviations);
        out.writeInt(levels);
        for (int i = 0; i < levels; i++) {
            out.writeInt(counts[i]);
            for (int b = 0; b < counts[i]; b++) {
                out.writeDouble(sums[i][b]);
                out.writeDouble(squares[i][b]);
            }
        }
    }

    /** Reads what {@link #write} wrote into this (empty) window; a layout that cannot be a window is refused. */
    void read(DataInputStream in) throws IOException {
        long w = in.readLong();
        double t = in.readDouble();
        double s = in.readDouble();
        int l = in.readInt();
        if (l < 0 || l > LEVELS) {
            throw new IOException("ADWIN window with " + l + " bucket sizes, at most " + LEVELS + ": corrupt");
        }
        long held = 0;
        for (int i = 0; i < l; i++) {
            int c = in.readInt();
            if (c < 0 || c > M) {
                throw new IOException("ADWIN window with " + c + " buckets of size 2^" + i + ", at most " + M + ": corrupt");
            }
            counts[i] = c;
            for (int b = 0; b < c; b++) {
                sums[i][b] = in.readDouble();
                squares[i][b] = in.readDouble();
            }
            held += (long) c << i;
        }
        if (held != w || (l > 0 && counts[l - 1] == 0)) {
            throw new IOException("ADWIN window of width " + w + " holds buckets of " + held + " values: corrupt");
        }
        width = w;
        total = t;
        squaredDeviations = s;
        levels = l;
    }
}
