package io.engram.evaluate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * R[i][j]: accuracy on task j's evaluation set after training through the end of task i, tasks
 * in order of first appearance; b_j: accuracy of the untrained model on task j. Missing entries
 * are null (a task without an evaluation set, a row before the task appeared). The figures follow
 * ALGORITHMS.md; each names its formula in {@link #FORMULAS}.
 *
 * <p>Implementation notes. With T rows, "R[T][j]" is the last row. Averages skip null entries and
 * are null when nothing is left to average: ACC and LA need T ≥ 1, BWT, FWT and forgetting need
 * T ≥ 2. BWT divides by T−1 (not by T as the GEM/MER code does); forgetting takes the maximum
 * over earlier rows (Chaudhry et al. 2018), not the first accuracy (as Avalanche does).
 */
public final class AccuracyMatrix {

    /** Each figure's formula, as published with it. */
    public static final Map<String, String> FORMULAS = Map.of(
            "acc", "(1/T) sum_j R[T][j]",
            "la", "(1/T) sum_j R[j][j]",
            "bwt", "1/(T-1) sum_{j<T} (R[T][j] - R[j][j])",
            "fwt", "1/(T-1) sum_{j>=2} (R[j-1][j] - b_j)",
            "forgetting", "1/(T-1) sum_{j<T} (max_{l<T} R[l][j] - R[T][j])");

    private final List<String> tasks = new ArrayList<>();
    private final List<Double[]> rows = new ArrayList<>();
    private final List<Double> baseline = new ArrayList<>();

    /** Adds a task (column) if new; returns its index. */
    public int task(String name) {
        int index = tasks.indexOf(name);
        if (index >= 0) {
            return index;
        }
        tasks.add(name);
        baseline.add(null);
        return tasks.size() - 1;
    }

    public List<String> tasks() {
        return List.copyOf(tasks);
    }

    public void setBaseline(int task, Double accuracy) {
        baseline.set(task, accuracy);
    }

    /** Appends row i (after training through task i); {@code accuracies[j]} null where not measured. */
    public void addRow(Double[] accuracies) {
        rows.add(Arrays.copyOf(accuracies, tasks.size()));
    }

    public int rowCount() {
        return rows.size();
    }

    /** R as rows of width = number of tasks, null where not measured. */
    public List<List<Double>> rows() {
        List<List<Double>> out = new ArrayList<>();
        for (Double[] row : rows) {
            out.add(Arrays.asList(Arrays.copyOf(row, tasks.size())));
        }
        return out;
    }

    public List<Double> baseline() {
        return new ArrayList<>(baseline);
    }

    private Double r(int i, int j) {
        if (i < 0 || i >= rows.size()) {
            return null;
        }
        Double[] row = rows.get(i);
        return j < row.length ? row[j] : null;
    }

    /** T: rows so far (tasks trained through). */
    private int t() {
        return rows.size();
    }

    /** ACC = (1/T) Σ_j R[T][j], over the tasks seen by row T. */
    public Double acc() {
        if (t() == 0) {
            return null;
        }
        Mean mean = new Mean();
        for (int j = 0; j < t(); j++) {
            mean.add(r(t() - 1, j));
        }
        return mean.value();
    }

    /** LA = (1/T) Σ_j R[j][j]. */
    public Double la() {
        Mean mean = new Mean();
        for (int j = 0; j < t(); j++) {
            mean.add(r(j, j));
        }
        return mean.value();
    }

    /** BWT = 1/(T−1) Σ_{j<T} (R[T][j] − R[j][j]). */
    public Double bwt() {
        Mean mean = new Mean();
        for (int j = 0; j < t() - 1; j++) {
            mean.addDifference(r(t() - 1, j), r(j, j));
        }
        return mean.value();
    }

    /** FWT = 1/(T−1) Σ_{j≥2} (R[j−1][j] − b_j), with 1-based j as in ALGORITHMS.md. */
    public Double fwt() {
        Mean mean = new Mean();
        for (int j = 1; j < t(); j++) {
            mean.addDifference(r(j - 1, j), j < baseline.size() ? baseline.get(j) : null);
        }
        return mean.value();
    }

    /** Forgetting = 1/(T−1) Σ_{j<T} (max_{l<T} R[l][j] − R[T][j]). */
    public Double forgetting() {
        Mean mean = new Mean();
        for (int j = 0; j < t() - 1; j++) {
            Double best = null;
            for (int l = 0; l < t() - 1; l++) {
                Double v = r(l, j);
                if (v != null && (best == null || v > best)) {
                    best = v;
                }
            }
            mean.addDifference(best, r(t() - 1, j));
        }
        return mean.value();
    }

    /** The figures by name, null where undefined. */
    public Map<String, Double> figures() {
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("acc", acc());
        figures.put("la", la());
        figures.put("bwt", bwt());
        figures.put("fwt", fwt());
        figures.put("forgetting", forgetting());
        return figures;
    }

    /** A mean that skips missing values and is null when empty. */
    private static final class Mean {
        private double sum;
        private int count;

        void add(Double v) {
            if (v != null) {
                sum += v;
                count++;
            }
        }

        void addDifference(Double a, Double b) {
            if (a != null && b != null) {
                sum += a - b;
                count++;
            }
        }

        Double value() {
            return count == 0 ? null : sum / count;
        }
    }
}
