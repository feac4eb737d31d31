package io.engram.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ADWIN2 against a brute-force window (plain lists and double loops) at every step, and against
 * the guarantees of Theorem 3.1 of Bifet and Gavaldà (2007) on synthetic Bernoulli streams: at most
 * δ of the steps of a stationary stream shrink the window; a change of the mean larger than 2ε_cut
 * is caught within the delay that bound gives, with probability at least 1 − δ; after it the window
 * holds the new values only and stays quiet. Seeds fixed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdwinTest {

    /** ε_cut as Section 3 of the paper writes it, independently of the class: m harmonic mean, δ' = δ / ln n. */
    private static double epsilonCut(long n0, long n1, double variance, double delta) {
        double n = n0 + n1;
        double m = 1 / (1 / (double) n0 + 1 / (double) n1);
        double deltaPrime = delta / Math.log(n);
        return Math.sqrt(2 / m * variance * Math.log(2 / deltaPrime)) + 2 / (3 * m) * Math.log(2 / deltaPrime);
    }

    @Test
    void window_matchesABruteForceWindow_atEveryStep() {
        SplittableRandom random = new SplittableRandom(7);
        double delta = 0.01;
        Adwin adwin = new Adwin(delta);
        List<Double> all = new ArrayList<>();
        int shrinks = 0;
        for (int t = 0; t < 6000; t++) {
            double p = t < 2000 ? 0.2 : t < 4000 ? 0.7 : 0.4; // two changes: the window must shrink
            double x = random.nextDouble() < p ? 1 : random.nextDouble() * 0.1; // values in [0, 1], not only 0/1
            all.add(x);
            long before = adwin.width();
            boolean shrank = adwin.add(x);
            shrinks += shrank ? 1 : 0;
            assertThat(shrank).as("step %d: shrank iff the width fell", t).isEqualTo(adwin.width() < before + 1);
            // the window is the newest `width` values
            List<Double> window = all.subList(all.size() - (int) adwin.width(), all.size());
            double sum = 0;
            for (double v : window) {
                sum += v;
            }
            double mean = sum / window.size();
            double squares = 0;
            for (double v : window) {
                squares += (v - mean) * (v - mean);
            }
            assertThat(adwin.mean()).as("step %d mean", t).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(adwin.variance()).as("step %d variance", t)
                    .isCloseTo(squares / window.size(), org.assertj.core.data.Offset.offset(1e-9));
            // buckets: powers of two, never growing from the oldest to the newest, at most M of a size, covering the window
            long[] sizes = adwin.bucketSizes();
            long covered = 0;
            for (int b = 0; b < sizes.length; b++) {
                assertThat(Long.bitCount(sizes[b])).isEqualTo(1);
                if (b > 0) {
                    assertThat(sizes[b]).isLessThanOrEqualTo(sizes[b - 1]);
                }
                int same = 0;
                for (long s : sizes) {
                    same += s == sizes[b] ? 1 : 0;
                }
                assertThat(same).as("buckets of size %d", sizes[b]).isLessThanOrEqualTo(Adwin.M);
                covered += sizes[b];
            }
            assertThat(covered).isEqualTo(adwin.width());
            // what the loop stops on: no split at a bucket border has a gap of ε_cut or more (computed by brute force)
            long n0 = 0;
            for (int b = 0; b < sizes.length - 1; b++) {
                n0 += sizes[b];
                long n1 = window.size() - n0;
                double s0 = 0;
                for (int i = 0; i < n0; i++) {
                    s0 += window.get(i);
                }
                double gap = Math.abs(s0 / n0 - (sum - s0) / n1);
                assertThat(gap).as("step %d split %d|%d", t, n0, n1).isLessThan(epsilonCut(n0, n1, squares / window.size(), delta));
            }
        }
        assertThat(shrinks).as("the changes shrank the window").isPositive();
    }

    @Test
    void stationaryBernoulliStream_shrinksTheWindowOnAtMostDeltaOfItsSteps() {
        // Theorem 3.1 (1): while the mean is constant, a step shrinks W with probability at most δ
        double delta = 0.05;
        int runs = 60;
        int steps = 3000;
        for (double p : new double[] {0.05, 0.2, 0.5}) {
            SplittableRandom random = new SplittableRandom(11 + (long) (p * 100));
            long shrinks = 0;
            for (int r = 0; r < runs; r++) {
                Adwin adwin = new Adwin(delta);
                for (int t = 0; t < steps; t++) {
                    shrinks += adwin.add(random.nextDouble() < p ? 1 : 0) ? 1 : 0;
                }
            }
            double rate = shrinks / (double) (runs * steps);
            assertThat(rate).as("false-positive rate per step at p = %s (δ = %s)", p, delta).isLessThanOrEqualTo(delta);
        }
    }

    /** The smallest n1 with |μ0 − μ1| > 2ε_cut(n0, n1), σ² the variance of the window the two parts make. */
    static long delayBound(long n0, double p0, double p1, double delta) {
        for (long n1 = 1; ; n1++) {
            double n = n0 + n1;
            double mean = (n0 * p0 + n1 * p1) / n;
            double variance = (n0 * p0 * (1 - p0) + n1 * p1 * (1 - p1)) / n + n0 * n1 / (n * n) * (p0 - p1) * (p0 - p1)
                    + 0 * mean;
            if (Math.abs(p0 - p1) > 2 * epsilonCut(n0, n1, variance, delta)) {
                return n1;
            }
        }
    }

    @Test
    void abruptChange_isCaughtWithinTheDelayBound_withProbabilityOneMinusDelta() {
        // Theorem 3.1 (2), for ADWIN2: splits are bucket borders, and the border nearest the change on its
        // newer side leaves at least (1 − 1/M) of the newer part in W1, so the bound stretches by M / (M − 1)
        double delta = 0.01;
        long n0 = 1000;
        int runs = 200;
        for (double[] change : new double[][] {{0.2, 0.5}, {0.1, 0.25}, {0.3, 0.9}}) {
            long bound = (long) Math.ceil(delayBound(n0, change[0], change[1], delta) * Adwin.M / (double) (Adwin.M - 1));
            SplittableRandom random = new SplittableRandom(3);
            int late = 0;
            int early = 0;
            for (int r = 0; r < runs; r++) {
                Adwin adwin = new Adwin(delta);
                boolean caught = false;
                for (long t = 0; t < n0 + bound && !caught; t++) {
                    double before = adwin.mean();
                    boolean shrank = adwin.add(random.nextDouble() < (t < n0 ? change[0] : change[1]) ? 1 : 0);
                    if (shrank && adwin.mean() > before) {
                        if (t < n0) {
                            early++;
                        } else {
                            caught = true;
                        }
                    }
                }
                late += caught ? 0 : 1;
            }
            assertThat(late).as("runs of %s → %s not caught within %d examples of the change", change[0], change[1], bound)
                    .isLessThanOrEqualTo((int) Math.ceil(delta * runs + 3 * Math.sqrt(delta * runs)));
            assertThat(early).as("rises alarmed before the change").isLessThanOrEqualTo((int) Math.ceil(delta * runs));
        }
    }

    @Test
    void afterAChange_theWindowHoldsOnlyNewValues_andStaysQuiet() {
        double delta = 0.002;
        SplittableRandom random = new SplittableRandom(5);
        int runs = 20;
        long lateAlarms = 0;
        long quietSteps = 0;
        for (int r = 0; r < runs; r++) {
            Adwin adwin = new Adwin(delta);
            for (int t = 0; t < 3000; t++) {
                adwin.add(random.nextDouble() < 0.15 ? 1 : 0);
            }
            long detectedAt = -1;
            for (int t = 0; t < 5000; t++) {
                double before = adwin.mean();
                if (adwin.add(random.nextDouble() < 0.6 ? 1 : 0) && adwin.mean() > before) {
                    detectedAt = detectedAt < 0 ? t : detectedAt;
                    // ADWIN sheds the old values over a few steps after the first cut; once they are gone, a rise is false
                    lateAlarms += t > detectedAt + 500 ? 1 : 0;
                }
            }
            assertThat(detectedAt).as("run %d: the change was caught", r).isBetween(0L, 300L);
            quietSteps += 5000 - (detectedAt + 500);
            // the old values are gone but for what shares a bucket with new ones (a bucket of a window of W holds at
            // most W / M values): the window lies within the post-change stretch, so its mean is the new one
            assertThat(adwin.width()).as("run %d", r).isBetween(2000L, 5000L + 5000L / Adwin.M);
            assertThat(adwin.mean()).as("run %d: mean of the window", r).isCloseTo(0.6, org.assertj.core.data.Offset.offset(0.05));
        }
        // from 500 examples after the catch the stream is stationary again: Theorem 3.1 (1) bounds the shrinks by δ a step
        assertThat(lateAlarms).as("rises alarmed more than 500 examples after the change was caught, in %d steps", quietSteps)
                .isLessThanOrEqualTo((long) (delta * quietSteps));
    }

    @Test
    void state_roundTrips_andACorruptWindowIsRefused() throws IOException {
        Adwin adwin = new Adwin(0.01);
        SplittableRandom random = new SplittableRandom(9);
        for (int t = 0; t < 777; t++) {
            adwin.add(random.nextDouble() < 0.3 ? 1 : 0);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        adwin.write(new DataOutputStream(bytes));
        Adwin read = new Adwin(0.01);
        read.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(read.width()).isEqualTo(adwin.width());
        assertThat(read.bucketSizes()).containsExactly(adwin.bucketSizes());
        assertThat(Double.doubleToLongBits(read.variance())).isEqualTo(Double.doubleToLongBits(adwin.variance()));
        for (int t = 0; t < 500; t++) {
            double x = random.nextDouble() < 0.8 ? 1 : 0;
            assertThat(read.add(x)).isEqualTo(adwin.add(x));
            assertThat(Double.doubleToLongBits(read.mean())).isEqualTo(Double.doubleToLongBits(adwin.mean()));
        }
        byte[] corrupt = bytes.toByteArray();
        corrupt[7] ^= 1; // the width no longer matches the buckets
        assertThatThrownBy(() -> new Adwin(0.01).read(new DataInputStream(new ByteArrayInputStream(corrupt))))
                .isInstanceOf(IOException.class).hasMessageContaining("corrupt");
    }
}
