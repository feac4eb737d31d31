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
    private final LearnerSettings.Parts parts;
    private final Map<String, Integer> taskIndex = new HashMap<>();
    private final List<String> tasks = new ArrayList<>();
    private final List<String> endedTasks = new ArrayList<>();
    private long trained;
    private long kept;
    private long publishes;
    private double trainLoss = Double.NaN;

    public ContinualLearner(String model, LearnerSettings settings) {
        this.model = model;
        this.settings = settings;
        this.parts = settings.build();
        LOG.info("Model {}: {} network, method {} {}", model, settings.spec(), settings.method().name().toLowerCase(),
                parts.method().hyperparameters());
    }

    @Override
    public synchronized void train(Example example) {
        int task = taskIndex(example.task());
        record(parts.method().observe(example.x(), 0, example.label(), task));
        trained++;
    }

    @Override
    public synchronized void keepForEvaluation(Example example) {
        taskIndex(example.task());
        kept++;
    }

    @Override
    public synchronized void endTask(String task) {
        record(parts.method().flush());
        endedTasks.add(task);
        LOG.info("Model {}: task {} ended after {} train examples", model, task, trained);
    }

    @Override
    public synchronized void publish() {
        record(parts.method().flush());
        publishes++;
    }

    @Override
    public synchronized LearnerStatus status() {
        return new LearnerStatus(trained, kept, List.copyOf(tasks), List.copyOf(endedTasks), publishes, trainLoss);
    }

    /** Class probabilities of one input under the current parameters. */
    public synchronized float[] predict(float[] x) {
        float[] probabilities = new float[settings.spec().classes()];
        parts.network().predict(x, 0, probabilities);
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
