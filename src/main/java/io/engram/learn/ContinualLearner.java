package io.engram.learn;

import io.engram.consolidate.Consolidator;
import io.engram.evaluate.DriftDetector;
import io.engram.evaluate.MetricsEvent;
import io.engram.evaluate.MetricsSink;
import io.engram.evaluate.ModelEvaluation;
import io.engram.state.Binary;
import io.engram.state.Sections;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner of one model, fed by the ingest loop in stream order: trains (test-then-train for
 * prequential accuracy), keeps evaluation sets, and at each task end consolidates, evaluates every
 * task and publishes a metrics event. Tasks are numbered in order of first appearance, at most
 * {@code maxTasks} of them.
 *
 * <p>Versions are folded: the triggers of one batch (task ends, publish records, periodic) become
 * one version when the batch ends ({@link #batchEnded}), and within
 * {@code publishMinInterval} of the last version they wait, so a burst of task ends cannot turn into
 * hundreds of artifacts. The metrics event of each task end still goes out with its batch.
 *
 * <p>With a drift detector ({@code engram.evaluation.drift.detector}), a task's examples fall into
 * segments: the task itself, then {@code <task>#2}, {@code <task>#3}, ... Each train example's
 * prequential error feeds the detector; at an alarm the current segment ends as a task end does
 * (consolidate, evaluate, trigger {@code drift:<task>#<n>}) and the next one begins. Segments are
 * tasks to the accuracy matrix and count against {@code maxTasks}; at that bound an alarm is
 * ignored. Records of a task (train, eval, a task end) go to its current segment.
 */
public final class ContinualLearner implements Learner {

    /** The name of the learner's own state section: tasks, counters, pending version triggers. */
    static final String SECTION = "learner";
    /** The layout of the learner's own state section; a change to it bumps this (docs/state-format.md). */
    static final int STATE_VERSION = 1;

    private static final Logger LOG = LoggerFactory.getLogger(ContinualLearner.class);
    /** Weight of the newest example in the moving averages of the training loss. */
    private static final double LOSS_SMOOTHING = 0.01;

    private final String model;
    private final LearnerSettings settings;
    private final LearningCore core;
    private final ModelEvaluation evaluation;
    private final DriftDetector drift;
    private final MetricsSink sink;
    private final VersionSink versions;
    private final Listener listener;
    private final Map<String, Integer> taskIndex = new HashMap<>();
    /** Task names; copy-on-write, so {@link #status()} reads them without the learner's lock. */
    private final List<String> tasks = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Set<Integer> trainedTasks = new HashSet<>();
    private final List<String> endedTasks = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, Double> taskLoss = new LinkedHashMap<>();
    private final float[] probabilities;
    // written by the ingest thread only; volatile so status() (HTTP, Prometheus) never waits for a consolidation
    private volatile long trained;
    private volatile long kept;
    private volatile long publishes;
    private volatile double trainLoss = Double.NaN;
    private final Clock clock;
    /** Triggers waiting for the next version, oldest first; with {@link #pendingCount} when more than fit. */
    private final List<String> pendingTriggers = new ArrayList<>();
    private int pendingCount;
    /** Task-end events of the current batch, stamped with the version when it goes out with them. */
    private final List<MetricsEvent> pendingEvents = new ArrayList<>();
    private long lastVersionMillis = Long.MIN_VALUE / 2;

    /** Told of consolidations, for metrics. */
    public interface Listener {
        void consolidated(String model, String task, Consolidator.Report report);

        Listener NONE = (model, task, report) -> { };
    }

    public ContinualLearner(String model, LearnerSettings settings, MetricsSink sink, VersionSink versions, Listener listener,
            Clock clock) {
        this.model = model;
        this.settings = settings;
        this.sink = sink;
        this.versions = versions;
        this.listener = listener;
        this.clock = clock;
        this.core = settings.build();
        float[] initial = new float[settings.spec().parameterCount()];
        core.network().parameters(initial);
        LearnerSettings.EvaluationSettings e = settings.evaluation();
        this.evaluation = new ModelEvaluation(model, core.network(), initial, e.maxPerTask(), e.maxExamples(),
                e.prequentialWindow(), settings.seed() + 29, clock);
        this.probabilities = new float[settings.spec().classes()];
        this.drift = new DriftDetector(settings.drift());
        LOG.info("Model {}: {} network, {}", model, settings.spec(), describe());
    }

    @Override
    public synchronized void train(Example example) {
        String segment = drift.segment(example.task());
        int task = taskIndex(segment);
        if (trainedTasks.add(task)) {
            evaluation.beforeFirstTraining(task, core.network());
        }
        boolean prequential = evaluation.prequentialEnabled();
        boolean predict = prequential || drift.enabled();
        // test-then-train: the prediction comes before learning; may refuse the example as an outlier
        // (OutlierException) with nothing changed; the first example of a task never is
        long steps = core.steps();
        float loss = core.observe(example.x(), 0, example.label(), task, predict ? probabilities : null);
        boolean correct = predict && argmax(probabilities) == example.label();
        if (prequential) {
            evaluation.prequential(correct);
        }
        // divergence guard on the parameters themselves (outputs can hide it: ReLU maps NaN to 0), after each step (a pass
        // over every parameter on the JVM kernel: once per minibatch, not once per example; on ND4J the last device check)
        if (Float.isInfinite(loss) || (core.steps() != steps && !core.network().finiteAtLastCheck())) {
            throw new DivergedException("model " + model + " diverged on a train example of task " + example.task()
                    + " (loss " + loss + "): its weights are no longer finite");
        }
        record(segment, loss);
        trained++;
        if (drift.observe(!correct)) {
            driftDetected(example.task(), segment);
        }
        int every = settings.evaluation().everyExamples();
        if (every > 0 && trained % every == 0) {
            sink.publish(evaluation.periodic(trained, taskLoss));
        }
        int publishEvery = settings.evaluation().publishEveryExamples();
        if (publishEvery > 0 && trained % publishEvery == 0) {
            trigger("periodic");
        }
    }

    @Override
    public synchronized void checkTask(String task) {
        if (!taskIndex.containsKey(task) && tasks.size() >= settings.evaluation().maxTasks()) {
            throw new ModelLimitException(ModelLimitException.Limit.TASKS, "Expected a task of model " + model + " among its "
                    + tasks.size() + " tasks: it holds the most engram.learner.max-tasks (" + settings.evaluation().maxTasks()
                    + ") allows, so the new task '" + (task.length() > 60 ? task.substring(0, 57) + "..." : task)
                    + "' is refused. Reuse task names or raise the limit.");
        }
    }

    @Override
    public synchronized void keepForEvaluation(Example example) {
        String segment = drift.segment(example.task());
        checkTask(segment);
        evaluation.keep(taskIndex(segment), example.x(), example.label());
        kept++;
    }

    @Override
    public synchronized void endTask(String task) {
        String segment = drift.segment(task);
        checkTask(segment);
        end(segment, "task_end:" + task);
        drift.boundary();
    }

    /**
     * The detector saw the error rise in {@code task}'s examples: its current {@code segment} ends
     * as at a task end and the next segment begins, unless the model holds its most tasks.
     */
    private void driftDetected(String task, String segment) {
        if (tasks.size() >= settings.evaluation().maxTasks()) {
            LOG.warn("Model {}: drift detected in task {} after {} train examples, but the model holds the most tasks "
                    + "engram.learner.max-tasks ({}) allows: segment {} goes on", model, task, trained, tasks.size(), segment);
            drift.boundary();
            return;
        }
        String next = drift.nextSegment(task);
        LOG.info("Model {}: drift detected in task {} after {} train examples: segment {} ends, {} begins", model, task,
                trained, segment, next);
        end(segment, "drift:" + next);
        taskIndex(next); // the next segment begins now: the version answering the drift lists it, whatever the batch holds next
    }

    /** Ends task or segment {@code task}: learn what is pending, consolidate, evaluate, raise {@code trigger}. */
    private void end(String task, String trigger) {
        int index = taskIndex(task);
        record(task, core.flush());
        Consolidator.Report report = core.endTask(index);
        if (!core.network().isFinite()) {
            throw new DivergedException("model " + model + " diverged while consolidating task " + task
                    + ": its weights are no longer finite");
        }
        if (!endedTasks.contains(task)) {
            endedTasks.add(task);
        }
        listener.consolidated(model, task, report);
        MetricsEvent event = evaluation.taskEnded(index, core.network(), trained, taskLoss);
        if (!versions.replaying()) { // a replayed task end's event and version were committed before
            pendingEvents.add(event);
            trigger(trigger);
        }
        LOG.info("Model {}: task {} ended after {} train examples; consolidated on {} samples in {} ms; ACC {} forgetting {}",
                model, task, trained, report.samples(), Math.round(report.seconds() * 1000),
                event.figures().get("acc"), event.figures().get("forgetting"));
    }

    @Override
    public synchronized void publish() {
        record(null, core.flush());
        if (!core.network().isFinite()) {
            throw new DivergedException("model " + model + " diverged on its last steps before a publish record: "
                    + "its weights are no longer finite");
        }
        publishes++;
        trigger("publish");
    }

    /** Records a version trigger, unless the record raising it is replayed (its version was committed before). */
    private void trigger(String trigger) {
        if (versions.replaying()) {
            return;
        }
        if (pendingTriggers.size() < ModelSnapshot.MAX_FOLDED) {
            pendingTriggers.add(trigger);
        } else {
            pendingTriggers.set(pendingTriggers.size() - 1, trigger); // keep the newest as the version's trigger
        }
        pendingCount++;
    }

    @Override
    public synchronized boolean versionDue() {
        return !pendingTriggers.isEmpty() && clock.millis() - lastVersionMillis >= settings.evaluation().publishMinIntervalMillis();
    }

    @Override
    public synchronized void batchEnded(java.util.Map<String, Long> offsets) {
        if (versionDue()) {
            publishVersion(offsets);
        }
        for (MetricsEvent event : pendingEvents) {
            sink.publish(event); // task ends whose version waits for the minimum interval: events go out unstamped
        }
        pendingEvents.clear();
    }

    /** One version of the current parameters answering every pending trigger; events of this batch stamped with it. */
    private void publishVersion(java.util.Map<String, Long> offsets) {
        float[] parameters = new float[settings.spec().parameterCount()];
        core.network().parameters(parameters);
        if (!finite(parameters)) {
            throw new DivergedException("model " + model + " has non-finite parameters; no version is published");
        }
        String trigger = pendingTriggers.get(pendingTriggers.size() - 1);
        boolean lastIsTaskEnd = (trigger.startsWith("task_end:") || trigger.startsWith("drift:")) && !pendingEvents.isEmpty();
        MetricsEvent event = lastIsTaskEnd ? pendingEvents.get(pendingEvents.size() - 1) : evaluation.periodic(trained, taskLoss);
        long version = versions.publish(new ModelSnapshot(model, trigger, List.copyOf(pendingTriggers), pendingCount,
                settings.spec(), parameters, List.copyOf(tasks), trained, describe(), java.util.Map.copyOf(offsets)), event);
        lastVersionMillis = clock.millis();
        if (pendingCount > 1) {
            LOG.info("Model {}: version {} answers {} triggers folded together ({} ... {})", model, version, pendingCount,
                    pendingTriggers.get(0), trigger);
        }
        pendingTriggers.clear();
        pendingCount = 0;
        for (MetricsEvent e : pendingEvents) {
            sink.publish(version > 0 ? e.withVersion(version) : e);
        }
        if (!lastIsTaskEnd) {
            sink.publish(version > 0 ? event.withVersion(version) : event);
        }
        pendingEvents.clear();
    }

    /** The core's method, hyperparameters and consolidation, and the drift detector when there is one. */
    private Map<String, Object> describe() {
        Map<String, Object> d = core.describe();
        if (drift.enabled()) {
            d = new LinkedHashMap<>(d);
            d.put("drift", Map.of("detector", drift.settings().detection().name().toLowerCase(), "delta", drift.settings().delta(),
                    "min_examples", drift.settings().minExamples()));
        }
        return d;
    }

    @Override
    public LearnerStatus status() {
        return new LearnerStatus(trained, kept, List.copyOf(tasks), List.copyOf(endedTasks), publishes, trainLoss);
    }

    /**
     * Writes the learner's whole state, for checkpoints: a sectioned state (io.engram.state.Sections;
     * docs/state-format.md) of the learner's own section, the learning core's and the evaluation's.
     */
    public synchronized void writeState(DataOutputStream out) throws IOException {
        Sections.Writer state = new Sections.Writer(out);
        state.section(SECTION, STATE_VERSION, this::writeSection);
        core.writeState(state);
        evaluation.writeState(state);
        drift.writeState(state);
        state.end();
    }

    /** The learner's own section, version 1: tasks, counters, training loss, pending version triggers. */
    private void writeSection(DataOutputStream out) throws IOException {
        Binary.strings(out, tasks);
        Binary.ints(out, trainedTasks.stream().mapToInt(Integer::intValue).sorted().toArray());
        Binary.strings(out, endedTasks);
        Binary.doubleMap(out, taskLoss);
        out.writeLong(trained);
        out.writeLong(kept);
        out.writeLong(publishes);
        out.writeDouble(trainLoss);
        Binary.strings(out, pendingTriggers);
        out.writeInt(pendingCount);
    }

    /**
     * Reads what {@link #writeState} wrote into this (freshly built) learner; {@code seed} restarts
     * the random sources. A state of other settings (method, consolidation, shape, bounds) or with a
     * section or section version this Engram does not know is refused with an IOException naming it.
     */
    public synchronized void readState(DataInputStream in, long seed) throws IOException {
        Sections.Reader state = new Sections.Reader(in);
        state.section(SECTION, 1, STATE_VERSION, (body, version) -> readSection(body));
        core.readState(state, seed);
        evaluation.readState(state);
        drift.readState(state);
        state.end();
    }

    private void readSection(DataInputStream in) throws IOException {
        List<String> readTasks = Binary.strings(in);
        tasks.clear();
        taskIndex.clear();
        for (String t : readTasks) {
            taskIndex.put(t, tasks.size());
            tasks.add(t);
        }
        trainedTasks.clear();
        for (int t : Binary.ints(in)) {
            trainedTasks.add(t);
        }
        endedTasks.clear();
        endedTasks.addAll(Binary.strings(in));
        taskLoss.clear();
        taskLoss.putAll(Binary.doubleMap(in));
        trained = in.readLong();
        kept = in.readLong();
        publishes = in.readLong();
        trainLoss = in.readDouble();
        pendingTriggers.clear();
        pendingEvents.clear();
        pendingTriggers.addAll(Binary.strings(in));
        pendingCount = in.readInt();
    }

    /**
     * Forgets version triggers restored from a checkpoint: a version committed after that
     * checkpoint answered them (a version answers every pending trigger).
     */
    public synchronized void dropPendingTriggers() {
        pendingTriggers.clear();
        pendingCount = 0;
    }

    LearningCore core() {
        return core;
    }

    ModelEvaluation evaluation() {
        return evaluation;
    }

    DriftDetector drift() {
        return drift;
    }

    /** Moving average of the training loss per task. */
    Map<String, Double> taskLoss() {
        return Map.copyOf(taskLoss);
    }

    /** Task indexes trained on so far. */
    Set<Integer> trainedTasks() {
        return Set.copyOf(trainedTasks);
    }

    /** Version triggers waiting, oldest first, and how many they stand for. */
    List<String> pendingTriggers() {
        return List.copyOf(pendingTriggers);
    }

    int pendingCount() {
        return pendingCount;
    }

    /** The latest metrics event, or null before the first. */
    public MetricsEvent latestMetrics() {
        return evaluation.latest();
    }

    /** Class probabilities of one input under the current parameters. */
    public synchronized float[] predict(float[] x) {
        float[] p = new float[settings.spec().classes()];
        core.network().predict(x, 0, p);
        return p;
    }

    private int taskIndex(String task) {
        checkTask(task);
        return taskIndex.computeIfAbsent(task, t -> {
            tasks.add(t);
            int column = evaluation.task(t);
            if (column != tasks.size() - 1) {
                throw new IllegalStateException("task columns out of step");
            }
            return column;
        });
    }

    private void record(String task, float loss) {
        if (!Float.isNaN(loss)) {
            trainLoss = Double.isNaN(trainLoss) ? loss : trainLoss + LOSS_SMOOTHING * (loss - trainLoss);
            if (task != null) {
                taskLoss.merge(task, (double) loss, (old, l) -> old + LOSS_SMOOTHING * (l - old));
            }
        }
    }

    private static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static int argmax(float[] p) {
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        return best;
    }
}
