package io.engram.evaluate;

import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import io.engram.network.Network;
import io.engram.state.Sections;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Map;

/**
 * Everything one model's evaluation keeps: the evaluation sets, the accuracy matrix, the untrained
 * model for the baseline b_j, prequential accuracy. Evaluations run on a copy of the parameters
 * in a batch-sized network of the learner's kind ({@link Network#sibling}: on the ND4J kernel's
 * device when it trains there), so the learner's own network (sized for its steps, possibly under
 * a K-FAC prior) is only read once per evaluation.
 */
public final class ModelEvaluation {

    private final String model;
    private final MlpSpec spec;
    private final EvaluationSets sets;
    private final AccuracyMatrix matrix = new AccuracyMatrix();
    private final Prequential prequential;
    private final Network untrained;
    private final Network current;
    private final float[] parameters;
    private final Batch batch = new Batch(EvaluationSets.batchRows());
    private final int[] predicted = new int[EvaluationSets.batchRows()];
    private final Clock clock;
    private volatile MetricsEvent latest;

    public ModelEvaluation(String model, MlpSpec spec, float[] initialParameters, int maxPerTask, int prequentialWindow,
            long seed, Clock clock) {
        this(model, spec, initialParameters, maxPerTask, Integer.MAX_VALUE, prequentialWindow, seed, clock);
    }

    /** Evaluation on the JVM kernel. @param maxExamples eval examples kept over all tasks */
    public ModelEvaluation(String model, MlpSpec spec, float[] initialParameters, int maxPerTask, int maxExamples,
            int prequentialWindow, long seed, Clock clock) {
        this(model, new JvmMlp(spec, 1, initialParameters), initialParameters, maxPerTask, maxExamples, prequentialWindow, seed,
                clock);
    }

    /**
     * Evaluation on networks of {@code learner}'s kind ({@link Network#sibling}).
     *
     * @param maxExamples eval examples kept over all tasks
     */
    public ModelEvaluation(String model, Network learner, float[] initialParameters, int maxPerTask, int maxExamples,
            int prequentialWindow, long seed, Clock clock) {
        MlpSpec spec = learner.spec();
        this.model = model;
        this.spec = spec;
        this.sets = new EvaluationSets(spec.inputSize(), maxPerTask, maxExamples, seed);
        this.prequential = new Prequential(prequentialWindow);
        this.untrained = learner.sibling(EvaluationSets.batchRows(), initialParameters);
        this.current = learner.sibling(EvaluationSets.batchRows(), initialParameters);
        this.parameters = new float[spec.parameterCount()];
        this.clock = clock;
    }

    /** The column of a task (added on first sight). */
    public int task(String name) {
        return matrix.task(name);
    }

    public void keep(int task, float[] x, int label) {
        sets.add(task, x, label);
    }

    public boolean prequentialEnabled() {
        return prequential.enabled();
    }

    public void prequential(boolean correct) {
        prequential.record(correct);
    }

    /** Before the first train example of a task: its accuracy now is R[j−1][j] of FWT. */
    public void beforeFirstTraining(int task, Network network) {
        if (sets.size(task) > 0) {
            load(network);
            matrix.setBeforeTraining(task, sets.accuracy(task, current, batch, predicted));
            matrix.setBaseline(task, sets.accuracy(task, untrained, batch, predicted));
        }
    }

    /** At a task end: evaluate every task with an evaluation set, add the row, and describe it. */
    public MetricsEvent taskEnded(int task, Network network, long examplesSeen, Map<String, Double> taskLoss) {
        long start = System.nanoTime();
        load(network);
        int n = matrix.tasks().size();
        Double[] row = new Double[n];
        for (int j = 0; j < n; j++) {
            row[j] = sets.accuracy(j, current, batch, predicted);
            if (row[j] != null) {
                matrix.setBaseline(j, sets.accuracy(j, untrained, batch, predicted));
            }
        }
        matrix.addRow(task, row);
        latest = event(matrix.tasks().get(task), examplesSeen, taskLoss, (System.nanoTime() - start) / 1e9);
        return latest;
    }

    /** Between task ends: the matrix so far with fresh prequential accuracy and counts. */
    public MetricsEvent periodic(long examplesSeen, Map<String, Double> taskLoss) {
        latest = event(null, examplesSeen, taskLoss, 0);
        return latest;
    }

    /** The latest event, or null before any. */
    public MetricsEvent latest() {
        return latest;
    }

    public AccuracyMatrix matrix() {
        return matrix;
    }

    private void load(Network network) {
        network.parameters(parameters);
        current.setParameters(parameters);
    }

    private MetricsEvent event(String afterTask, long examplesSeen, Map<String, Double> taskLoss, double seconds) {
        return new MetricsEvent(model, null, afterTask, matrix.tasks(), matrix.rows(), matrix.rowTasks(),
                new ArrayList<>(matrix.baseline()), matrix.beforeTraining(), matrix.figures(), prequential.accuracy(), Map.copyOf(taskLoss),
                examplesSeen, seconds, clock.instant());
    }

    /** Writes the state sections of the evaluation sets, the accuracy matrix and prequential accuracy. */
    public void writeState(Sections.Writer state) throws java.io.IOException {
        sets.writeState(state);
        matrix.writeState(state);
        prequential.writeState(state);
    }

    /** Reads the sections {@link #writeState} wrote. */
    public void readState(Sections.Reader state) throws java.io.IOException {
        sets.readState(state);
        matrix.readState(state);
        prequential.readState(state);
    }

    EvaluationSets sets() {
        return sets;
    }

    Prequential prequential() {
        return prequential;
    }
}
