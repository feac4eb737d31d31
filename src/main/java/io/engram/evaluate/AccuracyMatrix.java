package io.engram.evaluate;

import io.engram.state.Binary;
import io.engram.state.Sections;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * R[i][j]: accuracy on task j's evaluation set after training through the end of task i, tasks
 * in order of first appearance; b_j: accuracy of the untrained model on task j. Missing entries
 * are null (a task without an evaluation set, a row before the task appeared). The figures follow
 * docs/algorithms.md; each names its formula in {@link #FORMULAS}.
 *
 * <p>Implementation notes. A row is recorded at each task end; "R[T]" is the last row and
 * "R[j]" the row at task j's first end (a task seen again adds rows, not columns). T counts the
 * tasks that have ended. Averages skip null entries and are null when nothing is left to
 * average: ACC and LA need T ≥ 1; BWT, FWT and forgetting T ≥ 2. BWT divides by T−1 (not by T as
 * the GEM/MER code does); forgetting takes the maximum over earlier rows (Chaudhry et al. 2018),
 * not the first accuracy (as Avalanche does).
 */
public final class AccuracyMatrix {

    /** The name of its state section. */
    public static final String SECTION = "accuracy-matrix";
    /** The layout of its state section; a change to {@link #writeState} bumps it (docs/state-format.md). */
    static final int STATE_VERSION = 1;

    /** Each figure's formula, as published with it. */
    public static final Map<String, String> FORMULAS = Map.of(
            "acc", "(1/T) sum_j R[T][j]",
            "la", "(1/T) sum_j R[j][j]",
            "bwt", "1/(T-1) sum_{j<T} (R[T][j] - R[j][j])",
            "fwt", "1/(T-1) sum_{j>=2} (R[j-1][j] - b_j)",
            "forgetting", "1/(T-1) sum_{j<T} (max_{l<T} R[l][j] - R[T][j])");

    private final List<String> tasks = new ArrayList<>();
    private final List<Double[]> rows = new ArrayList<>();
    /** Which task's end each row records. */
    private final List<Integer> rowTask = new ArrayList<>();
    private final List<Double> baseline = new ArrayList<>();
    /** Accuracy on a task measured just before its first train example, when it had an eval set then. */
    private final List<Double> beforeTraining = new ArrayList<>();

    /** Adds a task (column) if new; returns its index. */
    public int task(String name) {
        int index = tasks.indexOf(name);
        if (index >= 0) {
            return index;
        }
        tasks.add(name);
        baseline.add(null);
        beforeTraining.add(null);
        return tasks.size() - 1;
    }

    public List<String> tasks() {
        return List.copyOf(tasks);
    }

    public void setBaseline(int task, Double accuracy) {
        baseline.set(task, accuracy);
    }

    /** Appends row i (after training through task i, the i-th task in order); null where not measured. */
    public void addRow(Double[] accuracies) {
        addRow(rows.size(), accuracies);
    }

    /** Appends the row recorded at the end of task {@code endedTask}; {@code accuracies[j]} null where not measured. */
    public void addRow(int endedTask, Double[] accuracies) {
        rows.add(Arrays.copyOf(accuracies, tasks.size()));
        rowTask.add(endedTask);
    }

    /** Records the accuracy on {@code task} just before its first train example (R[j−1][j] of FWT). */
    public void setBeforeTraining(int task, Double accuracy) {
        beforeTraining.set(task, accuracy);
    }

    /** Accuracy on each task just before its first train example (null where it had no eval set then). */
    public List<Double> beforeTraining() {
        return new ArrayList<>(beforeTraining);
    }

    /** Which task's end each row records. */
    public List<Integer> rowTasks() {
        return List.copyOf(rowTask);
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

    /** The first row recorded at the end of task j, or −1. */
    private int firstEnd(int task) {
        return rowTask.indexOf(task);
    }

    /** Tasks that have ended, in order of their first end. */
    private List<Integer> endedTasks() {
        List<Integer> ended = new ArrayList<>();
        for (int task : rowTask) {
            if (!ended.contains(task)) {
                ended.add(task);
            }
        }
        return ended;
    }

    private int last() {
        return rows.size() - 1;
    }

    /** ACC = (1/T) Σ_j R[T][j], over the tasks that have ended, R[T] the last row. */
    public Double acc() {
        Mean mean = new Mean();
        for (int j : endedTasks()) {
            mean.add(r(last(), j));
        }
        return mean.value();
    }

    /** LA = (1/T) Σ_j R[j][j], R[j] the row at task j's (first) end. */
    public Double la() {
        Mean mean = new Mean();
        for (int j : endedTasks()) {
            mean.add(r(firstEnd(j), j));
        }
        return mean.value();
    }

    /** The ended tasks but the one that ended last: the j &lt; T of the formulas. */
    private List<Integer> earlierTasks() {
        List<Integer> ended = endedTasks();
        if (!ended.isEmpty()) {
            ended.remove(Integer.valueOf(rowTask.get(last())));
        }
        return ended;
    }

    /** BWT = 1/(T−1) Σ_{j<T} (R[T][j] − R[j][j]). */
    public Double bwt() {
        Mean mean = new Mean();
        for (int j : earlierTasks()) {
            mean.addDifference(r(last(), j), r(firstEnd(j), j));
        }
        return mean.value();
    }

    /**
     * FWT = 1/(T−1) Σ_{j≥2} (R[j−1][j] − b_j): the accuracy on task j just before it was first
     * trained (measured then, or else the row before task j's end) minus the untrained model's.
     */
    public Double fwt() {
        Mean mean = new Mean();
        List<Integer> ended = endedTasks();
        for (int k = 1; k < ended.size(); k++) {
            int j = ended.get(k);
            Double before = beforeTraining.get(j) != null ? beforeTraining.get(j) : r(firstEnd(j) - 1, j);
            mean.addDifference(before, baseline.get(j));
        }
        return mean.value();
    }

    /** Forgetting = 1/(T−1) Σ_{j<T} (max_{l<T} R[l][j] − R[T][j]). */
    public Double forgetting() {
        Mean mean = new Mean();
        for (int j : earlierTasks()) {
            Double best = null;
            for (int l = 0; l < last(); l++) {
                Double v = r(l, j);
                if (v != null && (best == null || v > best)) {
                    best = v;
                }
            }
            mean.addDifference(best, r(last(), j));
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

    /** Writes the matrix as its state section (version 1: tasks, b_j, accuracies before training, rows with their task). */
    public void writeState(Sections.Writer state) throws IOException {
        state.section(SECTION, STATE_VERSION, out -> {
            Binary.strings(out, tasks);
            Binary.nullableDoubles(out, baseline);
            Binary.nullableDoubles(out, beforeTraining);
            out.writeInt(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                out.writeInt(rowTask.get(i));
                Binary.nullableDoubles(out, Arrays.asList(rows.get(i)));
            }
        });
    }

    /** Replaces the matrix with the section {@link #writeState} wrote. */
    public void readState(Sections.Reader state) throws IOException {
        state.section(SECTION, 1, STATE_VERSION, (in, version) -> {
            List<String> readTasks = Binary.strings(in);
            List<Double> readBaseline = Binary.nullableDoubles(in);
            List<Double> readBefore = Binary.nullableDoubles(in);
            if (readBaseline.size() != readTasks.size() || readBefore.size() != readTasks.size()) {
                throw new IOException("checkpointed accuracy matrix has " + readTasks.size() + " tasks, " + readBaseline.size()
                        + " baselines and " + readBefore.size() + " accuracies before training: corrupt");
            }
            tasks.clear();
            tasks.addAll(readTasks);
            baseline.clear();
            baseline.addAll(readBaseline);
            beforeTraining.clear();
            beforeTraining.addAll(readBefore);
            rows.clear();
            rowTask.clear();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                rowTask.add(in.readInt());
                rows.add(Binary.nullableDoubles(in).toArray(new Double[0]));
            }
        });
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
