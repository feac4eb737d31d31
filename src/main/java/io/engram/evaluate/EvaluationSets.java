package io.engram.evaluate;

import io.engram.network.Batch;
import io.engram.network.Network;
import io.engram.state.Binary;
import io.engram.state.Sections;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Each task's evaluation set: its eval examples, never trained on, at most {@code maxPerTask}
 * per task (reservoir sampling beyond that, so the set stays a uniform sample of what was sent),
 * and at most {@code maxExamples} over all tasks: when the sets together would pass it, every task
 * gets an equal share, {@code maxExamples / tasks}, and larger sets are cut to it by a uniform
 * subsample (which is still a uniform sample, and the reservoir goes on from it).
 * Memory: at most {@code maxExamples × (inputSize + 1) × 4} bytes.
 */
public final class EvaluationSets {

    /** The name of its state section. */
    public static final String SECTION = "evaluation-sets";
    /** The layout of its state section; a change to {@link #writeState} bumps it (docs/state-format.md). */
    static final int STATE_VERSION = 1;

    private static final int EVAL_BATCH = 100;

    private final int inputSize;
    private final int maxPerTask;
    private final int maxExamples;
    private final SplittableRandom random;
    private final List<TaskSet> sets = new ArrayList<>();

    public EvaluationSets(int inputSize, int maxPerTask, long seed) {
        this(inputSize, maxPerTask, Integer.MAX_VALUE, seed);
    }

    public EvaluationSets(int inputSize, int maxPerTask, int maxExamples, long seed) {
        this.inputSize = inputSize;
        this.maxPerTask = maxPerTask;
        this.maxExamples = maxExamples;
        this.random = new SplittableRandom(seed);
    }

    private static final class TaskSet {
        float[] inputs = new float[0];
        int[] labels = new int[0];
        int size;
        long seen;
    }

    /** Keeps one eval example of {@code task}. */
    public void add(int task, float[] x, int label) {
        while (sets.size() <= task) {
            sets.add(new TaskSet());
        }
        TaskSet set = sets.get(task);
        int tasks = nonEmpty() + (set.size == 0 ? 1 : 0);
        int cap = (int) Math.max(1, Math.min(maxPerTask, (long) maxExamples / tasks));
        set.seen++;
        int slot;
        if (set.size < cap) {
            if (total() >= maxExamples) {
                shrinkTo(cap); // the others give up what they hold beyond the equal share, so the total stays bounded
            }
            slot = set.size++;
            if (slot == set.labels.length) {
                int grown = Math.min(cap, Math.max(16, set.labels.length * 2));
                set.inputs = Arrays.copyOf(set.inputs, grown * inputSize);
                set.labels = Arrays.copyOf(set.labels, grown);
            }
        } else {
            if (set.size > cap) {
                cut(set, cap);
            }
            long p = random.nextLong(set.seen);
            if (p >= cap) {
                return;
            }
            slot = (int) p;
        }
        System.arraycopy(x, 0, set.inputs, slot * inputSize, inputSize);
        set.labels[slot] = label;
    }

    /** The most examples one task may keep now: its share of {@code maxExamples}, at most {@code maxPerTask}. */
    private int capPerTask() {
        int tasks = Math.max(1, nonEmpty());
        return (int) Math.max(1, Math.min(maxPerTask, (long) maxExamples / tasks));
    }

    private int nonEmpty() {
        int n = 0;
        for (TaskSet set : sets) {
            n += set.size > 0 ? 1 : 0;
        }
        return n;
    }

    /** Examples kept over all tasks. */
    public long total() {
        long n = 0;
        for (TaskSet set : sets) {
            n += set.size;
        }
        return n;
    }

    private void shrinkTo(int share) {
        for (TaskSet set : sets) {
            if (set.size > share) {
                cut(set, share);
            }
        }
    }

    /** Keeps a uniform random subset of {@code keep} rows (a partial Fisher–Yates shuffle) and frees the rest. */
    private void cut(TaskSet set, int keep) {
        float[] row = new float[inputSize];
        for (int i = 0; i < keep; i++) {
            int j = i + random.nextInt(set.size - i);
            if (j != i) {
                System.arraycopy(set.inputs, i * inputSize, row, 0, inputSize);
                System.arraycopy(set.inputs, j * inputSize, set.inputs, i * inputSize, inputSize);
                System.arraycopy(row, 0, set.inputs, j * inputSize, inputSize);
                int label = set.labels[i];
                set.labels[i] = set.labels[j];
                set.labels[j] = label;
            }
        }
        set.size = keep;
        set.inputs = Arrays.copyOf(set.inputs, keep * inputSize);
        set.labels = Arrays.copyOf(set.labels, keep);
    }

    /** Writes the sets as their state section (version 1: per task its size, examples seen, rows and labels). */
    public void writeState(Sections.Writer state) throws IOException {
        state.section(SECTION, STATE_VERSION, out -> {
            out.writeInt(sets.size());
            for (TaskSet set : sets) {
                out.writeInt(set.size);
                out.writeLong(set.seen);
                Binary.floats(out, set.inputs, set.size * inputSize);
                Binary.ints(out, set.labels, set.size);
            }
        });
    }

    /** Replaces the sets with the section {@link #writeState} wrote. */
    public void readState(Sections.Reader state) throws IOException {
        state.section(SECTION, 1, STATE_VERSION, (in, version) -> {
            List<TaskSet> read = new ArrayList<>();
            int n = in.readInt();
            for (int t = 0; t < n; t++) {
                TaskSet set = new TaskSet();
                set.size = in.readInt();
                set.seen = in.readLong();
                set.inputs = Binary.floats(in);
                set.labels = Binary.ints(in);
                if (set.labels.length != set.size || set.inputs.length != set.size * inputSize) {
                    throw new IOException("checkpointed evaluation set of task " + t + " holds " + set.labels.length + " labels and "
                            + set.inputs.length + " inputs for " + set.size + " examples of " + inputSize
                            + " inputs: engram.model.* changed, or the section is corrupt");
                }
                read.add(set);
            }
            sets.clear();
            sets.addAll(read);
        });
    }

    /** Eval examples of {@code task} ever offered (kept or not). */
    long seen(int task) {
        return task < sets.size() ? sets.get(task).seen : 0;
    }

    /** A copy of the inputs of {@code task}'s set, row after row. */
    float[] inputs(int task) {
        return task < sets.size() ? Arrays.copyOf(sets.get(task).inputs, size(task) * inputSize) : new float[0];
    }

    /** A copy of the labels of {@code task}'s set. */
    int[] labels(int task) {
        return task < sets.size() ? Arrays.copyOf(sets.get(task).labels, size(task)) : new int[0];
    }

    /** Tasks with a set (empty or not). */
    int tasks() {
        return sets.size();
    }

    public int size(int task) {
        return task < sets.size() ? sets.get(task).size : 0;
    }

    /** Accuracy of {@code network} on task {@code task}'s set, in batches; null when the set is empty. */
    public Double accuracy(int task, Network network, Batch scratch, int[] predicted) {
        int n = size(task);
        if (n == 0) {
            return null;
        }
        TaskSet set = sets.get(task);
        int correct = 0;
        for (int from = 0; from < n; from += EVAL_BATCH) {
            int rows = Math.min(EVAL_BATCH, n - from);
            scratch.clear();
            for (int r = 0; r < rows; r++) {
                scratch.add(set.inputs, (from + r) * inputSize, 0);
            }
            network.classify(scratch, predicted);
            for (int r = 0; r < rows; r++) {
                correct += predicted[r] == set.labels[from + r] ? 1 : 0;
            }
        }
        return correct / (double) n;
    }

    /** Rows per classification batch; networks passed to {@link #accuracy} must take this many. */
    public static int batchRows() {
        return EVAL_BATCH;
    }
}
