package io.engram.learn;

import io.engram.ingest.Example;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner of one model: its network, rehearsal buffer and training method, fed in stream
 * order by the ingest loop. Tasks are numbered in order of first appearance.
 */
public final class ContinualLearner implements Learner {

    private static final Logger LOG = LoggerFactory.getLogger(ContinualLearner.class);
    /** Weight of the newest example in the moving average of the training loss. */
    private static final double LOSS_SMOOTHING = 0.01;

    private final String model;
    private final LearnerSettings settings;
    private final LearningCore core;
    private final Listener listener;
    private final Map<String, Integer> taskIndex = new HashMap<>();
    private final List<String> tasks = new ArrayList<>();
    private final List<String> endedTasks = new ArrayList<>();
    private long trained;
    private long kept;
    private long publishes;
    private double trainLoss = Double.NaN;

    /** Told of consolidations, for metrics. */
    public interface Listener {
        void consolidated(String model, String task, io.engram.consolidate.Consolidator.Report report);
    }

    public ContinualLearner(String model, LearnerSettings settings, Listener listener) {
        this.model = model;
        this.settings = settings;
        this.listener = listener;
        this.core = settings.build();
        LOG.info("Model {}: {} network, {}", model, settings.spec(), core.describe());
    }

    @Override
    public synchronized void train(Example example) {
        int task = taskIndex(example.task());
        record(core.observe(example.x(), 0, example.label(), task));
        trained++;
    }

    @Override
    public synchronized void keepForEvaluation(Example example) {
        taskIndex(example.task());
        kept++;
    }

    @Override
    public synchronized void endTask(String task) {
        record(core.flush());
        io.engram.consolidate.Consolidator.Report report = core.endTask(taskIndex(task));
        endedTasks.add(task);
        listener.consolidated(model, task, report);
        LOG.info("Model {}: task {} ended after {} train examples; consolidated on {} samples in {} ms", model, task,
                trained, report.samples(), Math.round(report.seconds() * 1000));
    }

    @Override
    public synchronized void publish() {
        record(core.flush());
        publishes++;
    }

    @Override
    public synchronized LearnerStatus status() {
        return new LearnerStatus(trained, kept, List.copyOf(tasks), List.copyOf(endedTasks), publishes, trainLoss);
    }

    /** Class probabilities of one input under the current parameters. */
    public synchronized float[] predict(float[] x) {
        float[] probabilities = new float[settings.spec().classes()];
        core.network().predict(x, 0, probabilities);
        return probabilities;
    }

    public LearnerSettings settings() {
        return settings;
    }

    private int taskIndex(String task) {
        return taskIndex.computeIfAbsent(task, t -> {
            tasks.add(t);
            return tasks.size() - 1;
        });
    }

    private void record(float loss) {
        if (!Float.isNaN(loss)) {
            trainLoss = Double.isNaN(trainLoss) ? loss : trainLoss + LOSS_SMOOTHING * (loss - trainLoss);
        }
    }
}
