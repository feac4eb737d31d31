package io.engram.data;

import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.consolidate.Consolidators;
import io.engram.config.LabelMode;
import io.engram.evaluate.AccuracyMatrix;
import io.engram.network.Batch;
import io.engram.network.JvmMlp;
import io.engram.network.Kernel;
import io.engram.learn.LearnerSettings;
import io.engram.network.MlpSpec;
import io.engram.replay.ReplayPolicy;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one learner configuration over a permuted Fashion-MNIST stream, learner only (no Kafka):
 * trains task by task, evaluates every task after each one, and times the training alone.
 */
public final class ProtocolRunner {

    private static final int EVAL_BATCH = 100;

    private final FashionMnist data;
    private final TaskStream stream;
    private final PrintStream progress;

    public ProtocolRunner(FashionMnist data, TaskStream stream, PrintStream progress) {
        this.data = data;
        this.stream = stream;
        this.progress = progress;
    }

    /** One run's figures; {@code matrix} null when evaluation was skipped. */
    public record Result(String label, Map<String, Object> hyperparameters, int examples, double trainSeconds,
            double examplesPerSecond, Map<String, Double> figures, List<List<Double>> matrix, List<Double> baseline,
            double evalSeconds, List<Double> consolidationSeconds, int refused) {
    }

    /**
     * The protocol's learner settings: the method's defaults, a reservoir buffer of {@code buffer}
     * examples, the JVM kernel, no consolidation.
     */
    public static LearnerSettings settings(MlpSpec spec, LearnerMethod method, int buffer, int batchSize, Integer replayBatch, long seed) {
        return new LearnerSettings(spec, seed, method, LearnerSettings.defaultLearningRate(method), batchSize, buffer,
                replayBatch != null ? replayBatch : LearnerSettings.defaultReplayBatch(method, buffer),
                ReplayPolicy.RESERVOIR, 0.03f, 1.0f, 10, Kernel.JVM,
                new Consolidators.Settings(ConsolidationMethod.NONE, 0, 0.001, 0.9, LabelMode.SAMPLED, 1000, seed + 17),
                LearnerSettings.EvaluationSettings.DEFAULT);
    }

    public Result run(String label, LearnerSettings settings, int tasks, boolean evaluate) {
        return run(label, settings, tasks, evaluate, false);
    }

    /**
     * @param taskFree the stream carries no task: every example is of task 0 and no task end is
     *     called (consolidation only from {@code engram.consolidation.every-examples}); the matrix
     *     is still measured after each segment of the stream
     */
    public Result run(String label, LearnerSettings settings, int tasks, boolean evaluate, boolean taskFree) {
        io.engram.learn.LearningCore parts = settings.build();
        JvmMlp evalNet = new JvmMlp(settings.spec(), EVAL_BATCH, JvmMlp.initialParameters(settings.spec(), settings.seed()));
        float[] params = new float[settings.spec().parameterCount()];
        AccuracyMatrix matrix = new AccuracyMatrix();
        for (int t = 0; t < tasks; t++) {
            matrix.task(stream.kind() + "-" + t);
        }
        double evalSeconds = 0;
        if (evaluate) {
            long start = System.nanoTime();
            parts.network().parameters(params);
            evalNet.setParameters(params);
            for (int j = 0; j < tasks; j++) {
                matrix.setBaseline(j, accuracy(evalNet, j));
            }
            evalSeconds += (System.nanoTime() - start) / 1e9;
        }
        List<Double> consolidationSeconds = new ArrayList<>();
        float[] taskInputs = new float[stream.perTask() * FashionMnist.PIXELS];
        float[] x = new float[FashionMnist.PIXELS];
        long trainNanos = 0;
        int examples = 0;
        int refused = 0;
        for (int t = 0; t < tasks; t++) {
            // the task's examples are permuted before the clock starts, as the reference does
            int[] indices = stream.trainIndices(t);
            for (int i = 0; i < indices.length; i++) {
                stream.transform(data.trainImages()[indices[i]], t, x);
                System.arraycopy(x, 0, taskInputs, i * FashionMnist.PIXELS, FashionMnist.PIXELS);
            }
            long start = System.nanoTime();
            for (int i = 0; i < indices.length; i++) {
                try {
                    parts.observe(taskInputs, i * FashionMnist.PIXELS, data.trainLabels()[indices[i]], taskFree ? 0 : t);
                } catch (io.engram.learn.OutlierException e) {
                    refused++;
                }
            }
            parts.flush();
            trainNanos += System.nanoTime() - start;
            if (!taskFree) {
                consolidationSeconds.add(parts.endTask(t).seconds());
            }
            examples += stream.perTask();
            if (evaluate) {
                long evalStart = System.nanoTime();
                parts.network().parameters(params);
                evalNet.setParameters(params);
                Double[] row = new Double[tasks];
                for (int j = 0; j < tasks; j++) {
                    row[j] = accuracy(evalNet, j);
                }
                matrix.addRow(row);
                evalSeconds += (System.nanoTime() - evalStart) / 1e9;
            }
            progress.printf("  %-22s task %2d/%d  %8.1f examples/s%s%n", label, t + 1, tasks, examples / (trainNanos / 1e9),
                    evaluate ? String.format("  ACC %.3f", matrix.acc()) : "");
        }
        double seconds = trainNanos / 1e9;
        return new Result(label, parts.describe(), examples, seconds, examples / seconds,
                evaluate ? matrix.figures() : Map.of(), evaluate ? matrix.rows() : null,
                evaluate ? matrix.baseline() : null, evalSeconds, consolidationSeconds, refused);
    }

    private double accuracy(JvmMlp net, int task) {
        int n = Math.min(stream.evalPerTask(), data.testImages().length);
        float[] rows = new float[EVAL_BATCH * FashionMnist.PIXELS];
        float[] scratch = new float[FashionMnist.PIXELS];
        int[] predicted = new int[EVAL_BATCH];
        Batch batch = new Batch(EVAL_BATCH);
        int correct = 0;
        for (int from = 0; from < n; from += EVAL_BATCH) {
            int size = Math.min(EVAL_BATCH, n - from);
            batch.clear();
            for (int r = 0; r < size; r++) {
                stream.transform(data.testImages()[from + r], task, scratch);
                System.arraycopy(scratch, 0, rows, r * FashionMnist.PIXELS, FashionMnist.PIXELS);
                batch.add(rows, r * FashionMnist.PIXELS, 0);
            }
            net.classify(batch, predicted);
            for (int r = 0; r < size; r++) {
                correct += predicted[r] == data.testLabels()[from + r] ? 1 : 0;
            }
        }
        return correct / (double) n;
    }
}
