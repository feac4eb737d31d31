package io.engram.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.engram.config.DriftDetection;
import io.engram.config.LearnerMethod;
import io.engram.data.FashionMnist;
import io.engram.data.PermutedStream;
import io.engram.data.ProtocolRunner;
import io.engram.data.RotatedStream;
import io.engram.data.TaskStream;
import io.engram.evaluate.AccuracyMatrix;
import io.engram.evaluate.DriftDetector;
import io.engram.evaluate.MetricsSink;
import io.engram.learn.ContinualLearner;
import io.engram.learn.Example;
import io.engram.learn.LearnerSettings;
import io.engram.learn.OutlierException;
import io.engram.learn.VersionSink;
import io.engram.network.Activation;
import io.engram.network.MlpSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./engram bench drift}: task-free streams. Permuted and rotated Fashion-MNIST with the task
 * field removed (every record of task "stream", no task end), learned by the service's learner
 * ({@link ContinualLearner}, online SGD or MER, with K-FAC at its default λ) with the ADWIN detector, against the same stream with its
 * boundaries labelled (a task name per task, a task end after each) and task-free without a
 * detector. Per run: the alarms (train examples seen), the detection delay of each true change
 * (examples from the change to the first alarm after it), false alarms (an alarm before the first
 * change or after the first alarm of a change), missed changes, and ACC and forgetting measured by
 * the harness on every true task's test set after each true task, the same way for every run.
 *
 * <p>Options: --streams permuted,rotated --tasks 4 --per-task 1000 --eval-per-task 500 --seeds 1,2
 * --runs labelled,adwin,none --step-degrees 45 --delta 0.1 --min-examples 300 --base online|mer --replay-batch 10 (MER's k − 1) --data DIR --out FILE.
 */
public final class DriftBench {

    /** Eval records each true task also sends the learner (for its own segment matrix), from test images after the harness's. */
    private static final int LEARNER_EVAL = 100;

    private DriftBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchOptions.parse("engram bench drift", List.of("streams", "tasks", "per-task",
                "eval-per-task", "seeds", "step-degrees", "delta", "min-examples", "base", "replay-batch", "runs", "data", "out"), args);
        Path dataDir = Path.of(options.getOrDefault("data", FashionMnist.DEBIAN_PATH.toString()));
        FashionMnist data = FashionMnist.load(dataDir);
        int tasks = Integer.parseInt(options.getOrDefault("tasks", "4"));
        int perTask = Integer.parseInt(options.getOrDefault("per-task", "1000"));
        int evalPerTask = Integer.parseInt(options.getOrDefault("eval-per-task", "500"));
        double step = Double.parseDouble(options.getOrDefault("step-degrees", "45"));
        DriftDetector.Settings adwin = new DriftDetector.Settings(DriftDetection.ADWIN,
                Double.parseDouble(options.getOrDefault("delta", "0.1")), Integer.parseInt(options.getOrDefault("min-examples", "300")));
        int replayBatch = Integer.parseInt(options.getOrDefault("replay-batch", "10"));
        LearnerMethod base = LearnerMethod.valueOf(options.getOrDefault("base", "online").toUpperCase());
        MlpSpec spec = new MlpSpec(784, List.of(100, 100), 10, Activation.RELU);
        List<Map<String, Object>> results = new ArrayList<>();
        for (String kind : options.getOrDefault("streams", "permuted,rotated").split(",")) {
            for (String s : options.getOrDefault("seeds", "1,2").split(",")) {
                long seed = Long.parseLong(s);
                TaskStream stream = kind.equals("rotated")
                        ? RotatedStream.create(tasks, perTask, evalPerTask, step, data.trainImages().length, seed)
                        : PermutedStream.create(tasks, perTask, evalPerTask, data.trainImages().length, seed);
                LearnerSettings settings = ProtocolRunner.settings(spec, base, 5120, 1, replayBatch, seed)
                        .withConsolidation(Bench.consolidation("kfac", Map.of(), seed, base));
                for (String name : options.getOrDefault("runs", "labelled,adwin,none").split(",")) {
                    String run = name.equals("labelled") ? name : "task-free " + name;
                    LearnerSettings s1 = run.endsWith("adwin") ? settings.withDrift(adwin) : settings;
                    Map<String, Object> r = run(data, stream, s1, run.equals("labelled"));
                    r.put("stream", kind + (kind.equals("rotated") ? " " + step + "°" : ""));
                    r.put("seed", seed);
                    r.put("run", run);
                    r.put("base", base.name().toLowerCase() + " + kfac");
                    System.err.printf("%-10s seed %d %-16s ACC %.3f forgetting %.3f alarms %s delays %s false %s missed %s (%.0f s)%n",
                            kind, seed, run, r.get("acc"), r.get("forgetting"), r.get("alarms"), r.get("delays"), r.get("false_alarms"),
                            r.get("missed"), r.get("seconds"));
                    results.add(r);
                }
            }
        }
        Path out = Path.of(options.getOrDefault("out", "target/bench/engram-drift.json"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), results);
        System.err.println("Wrote " + out);
    }

    private static Map<String, Object> run(FashionMnist data, TaskStream stream, LearnerSettings settings, boolean labelled) {
        List<Long> alarms = new ArrayList<>();
        ContinualLearner[] holder = new ContinualLearner[1];
        ContinualLearner learner = new ContinualLearner("bench", settings, MetricsSink.NONE, VersionSink.NONE,
                (model, task, report) -> {
                    if (!labelled) { // a task-free stream has no task end: every boundary is an alarm
                        alarms.add(holder[0].status().trained());
                    }
                }, Clock.systemUTC());
        holder[0] = learner;
        int tasks = stream.tasks();
        AccuracyMatrix matrix = new AccuracyMatrix();
        for (int t = 0; t < tasks; t++) {
            matrix.task(stream.kind() + "-" + t);
        }
        float[] x = new float[FashionMnist.PIXELS];
        long start = System.nanoTime();
        int refused = 0;
        int records = 0;
        for (int t = 0; t < tasks; t++) {
            String task = labelled ? stream.kind() + "-" + t : "stream";
            int[] indices = stream.trainIndices(t);
            int every = Math.max(1, indices.length / LEARNER_EVAL);
            for (int i = 0; i < indices.length; i++) {
                stream.transform(data.trainImages()[indices[i]], t, x);
                try {
                    learner.train(new Example("bench", task, x.clone(), data.trainLabels()[indices[i]], Example.Split.TRAIN, null));
                } catch (OutlierException e) {
                    refused++;
                }
                if (i % every == 0) {
                    int e = stream.evalPerTask() + (i / every) % LEARNER_EVAL;
                    float[] ex = new float[FashionMnist.PIXELS];
                    stream.transform(data.testImages()[e], t, ex);
                    learner.keepForEvaluation(new Example("bench", task, ex, data.testLabels()[e], Example.Split.EVAL, null));
                }
                if (++records % 100 == 0) {
                    learner.batchEnded(Map.of());
                }
            }
            if (labelled) {
                learner.endTask(task);
            }
            learner.batchEnded(Map.of());
            Double[] row = new Double[tasks];
            for (int j = 0; j < tasks; j++) {
                row[j] = accuracy(data, stream, learner, j);
            }
            matrix.addRow(row);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("acc", matrix.acc());
        r.put("forgetting", matrix.forgetting());
        r.put("la", matrix.la());
        r.put("matrix", matrix.rows());
        if (!labelled) {
            detection(r, alarms, stream.perTask(), tasks);
            r.put("segments", learner.status().tasks());
        }
        r.put("refused_as_outliers", refused);
        r.put("seconds", seconds);
        r.put("hyperparameters", settings.drift().detection() == DriftDetection.NONE ? "none"
                : Map.of("detector", "adwin", "delta", settings.drift().delta(), "min_examples", settings.drift().minExamples()));
        return r;
    }

    /** Delay of each true change (at train examples k·perTask) to the first alarm after it, false alarms, missed changes. */
    private static void detection(Map<String, Object> r, List<Long> alarms, int perTask, int tasks) {
        List<Long> delays = new ArrayList<>();
        int falseAlarms = 0;
        int missed = 0;
        for (long a : alarms) {
            if (a <= perTask) {
                falseAlarms++;
            }
        }
        for (int k = 1; k < tasks; k++) {
            long change = (long) k * perTask;
            long next = k + 1 < tasks ? change + perTask : Long.MAX_VALUE;
            List<Long> within = alarms.stream().filter(a -> a > change && a <= next).toList();
            if (within.isEmpty()) {
                missed++;
            } else {
                delays.add(within.get(0) - change);
                falseAlarms += within.size() - 1;
            }
        }
        r.put("alarms", alarms);
        r.put("delays", delays);
        r.put("false_alarms", falseAlarms);
        r.put("missed", missed);
    }

    private static double accuracy(FashionMnist data, TaskStream stream, ContinualLearner learner, int task) {
        int n = Math.min(stream.evalPerTask(), data.testImages().length);
        float[] image = new float[FashionMnist.PIXELS];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            stream.transform(data.testImages()[i], task, image);
            float[] p = learner.predict(image);
            int best = 0;
            for (int k = 1; k < p.length; k++) {
                best = p[k] > p[best] ? k : best;
            }
            correct += best == data.testLabels()[i] ? 1 : 0;
        }
        return correct / (double) n;
    }
}
