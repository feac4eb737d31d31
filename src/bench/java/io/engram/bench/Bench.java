package io.engram.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.engram.config.ConsolidationMethod;
import io.engram.config.LearnerMethod;
import io.engram.consolidate.Consolidators;
import io.engram.config.LabelMode;
import io.engram.data.FashionMnist;
import io.engram.data.PermutedStream;
import io.engram.data.ProtocolRunner;
import io.engram.data.RotatedStream;
import io.engram.data.TaskStream;
import io.engram.network.Activation;
import io.engram.learn.LearnerSettings;
import io.engram.network.MlpSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./engram bench …}: the benchmark protocol of docs/algorithms.md, learner only.
 *
 * <pre>
 *   protocol    permuted Fashion-MNIST, 20 tasks × 1000, every method and buffer; ACC, LA, BWT, FWT, forgetting
 *   throughput     learner-only examples/s of online (batch 10), ER (batch 10 + 10 replayed), MER (5120, s=10, k=11)
 *   consolidation  rotated Fashion-MNIST, 10 tasks × 5000: online, ewc, online-ewc, kfac, er, mer, mer+kfac
 *   sweep          rotated Fashion-MNIST, λ of ewc and kfac over --lambdas
 * </pre>
 *
 * Options: --tasks N --per-task N --eval-per-task N --methods online,er,mer --buffers 5120,500,200
 * --learning-rate X --repeats N --seed N --data DIR --out FILE --stream FILE --clip-norm X --spike-guard X;
 * sweep also --task-free true (no task field, no task ends) --every N (consolidate every N examples).
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: bench protocol|throughput [--option value ...]");
            System.exit(2);
        }
        Map<String, String> options = new HashMap<>(BenchOptions.parse("engram bench " + args[0], List.of(
                "tasks", "per-task", "eval-per-task", "seed", "data", "stream", "out", "methods", "buffers", "buffer", "base",
                "repeats", "step-degrees", "er-buffer", "mer-buffer", "lambdas", "lambda", "label-mode", "samples", "damping",
                "decay", "learning-rate", "replay-batch", "clip-norm", "spike-guard", "task-free", "every", "configs"),
                java.util.Arrays.copyOfRange(args, 1, args.length)));
        Path dataDir = Path.of(options.getOrDefault("data", FashionMnist.DEBIAN_PATH.toString()));
        System.err.println("Loading Fashion-MNIST from " + dataDir);
        FashionMnist data = FashionMnist.load(dataDir);
        int tasks = Integer.parseInt(options.getOrDefault("tasks", args[0].equals("throughput") ? "2" : "20"));
        int perTask = Integer.parseInt(options.getOrDefault("per-task", "1000"));
        int evalPerTask = Integer.parseInt(options.getOrDefault("eval-per-task", "10000"));
        long seed = Long.parseLong(options.getOrDefault("seed", "1"));
        boolean rotated = args[0].equals("consolidation") || args[0].equals("sweep");
        TaskStream stream;
        if (rotated) {
            tasks = Integer.parseInt(options.getOrDefault("tasks", "10"));
            perTask = Integer.parseInt(options.getOrDefault("per-task", "5000"));
            stream = RotatedStream.create(tasks, perTask, evalPerTask, Double.parseDouble(options.getOrDefault("step-degrees", "18")),
                    data.trainImages().length, seed);
        } else {
            PermutedStream permuted = PermutedStream.create(tasks, perTask, evalPerTask, data.trainImages().length, seed);
            permuted.write(Path.of(options.getOrDefault("stream", "target/bench/stream-" + args[0] + ".bin")));
            stream = permuted;
        }
        ProtocolRunner runner = new ProtocolRunner(data, stream, System.err);
        LearnerSettings.Outliers outliers = new LearnerSettings.Outliers(
                Float.parseFloat(options.getOrDefault("clip-norm", String.valueOf(LearnerSettings.Outliers.DEFAULT.clipNorm()))),
                Float.parseFloat(options.getOrDefault("spike-guard", String.valueOf(LearnerSettings.Outliers.DEFAULT.spikeGuard()))),
                LearnerSettings.Outliers.DEFAULT.spikeGuardWarmup());
        MlpSpec spec = new MlpSpec(784, List.of(100, 100), 10, Activation.RELU);
        List<Map<String, Object>> results = new ArrayList<>();
        String kernels = System.getProperty("engram.kernels", ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? "vector" : "scalar");
        switch (args[0]) {
            case "protocol" -> {
                List<String> methods = List.of(options.getOrDefault("methods", "online,er,mer").split(","));
                List<Integer> buffers = new ArrayList<>();
                for (String b : options.getOrDefault("buffers", "5120,500,200").split(",")) {
                    buffers.add(Integer.parseInt(b));
                }
                for (String name : methods) {
                    LearnerMethod method = LearnerMethod.valueOf(name.toUpperCase());
                    for (int buffer : method == LearnerMethod.ONLINE ? List.of(buffers.get(0)) : buffers) {
                        LearnerSettings settings = ProtocolRunner.settings(spec, method, buffer, 1, null, seed).withOutliers(outliers);
                        if (options.containsKey("learning-rate")) {
                            settings = settings.withLearningRate(Float.parseFloat(options.get("learning-rate")));
                        }
                        String label = name + (method == LearnerMethod.ONLINE ? "" : "/" + buffer);
                        results.add(toJson(runner.run(label, settings, tasks, true)));
                    }
                }
            }
            case "parallel" -> {
                // learner-only ER at the service's defaults (batch 1, replay 25, buffer 5120): one learner on one thread, then
                // one learner per thread on as many threads at once; what the machine gives to parallel learning, no Kafka
                int threads = Integer.parseInt(options.getOrDefault("repeats", "2"));
                int taskCount = tasks;
                LearnerSettings er = ProtocolRunner.settings(spec, LearnerMethod.ER, 5120, 1, null, seed).withOutliers(outliers);
                runner.run("warm-up", er, 1, false);
                for (int round = 0; round < 3; round++) {
                    long start = System.nanoTime();
                    ProtocolRunner.Result one = runner.run("er-default x1", er, tasks, false);
                    double oneRate = one.examples() / ((System.nanoTime() - start) / 1e9);
                    List<Thread> running = new ArrayList<>();
                    long[] examples = new long[threads];
                    start = System.nanoTime();
                    for (int t = 0; t < threads; t++) {
                        int k = t;
                        Thread thread = new Thread(() -> examples[k] = runner.run("er-default x" + threads + " #" + k, er, taskCount, false).examples());
                        running.add(thread);
                        thread.start();
                    }
                    for (Thread thread : running) {
                        thread.join();
                    }
                    double manyRate = java.util.Arrays.stream(examples).sum() / ((System.nanoTime() - start) / 1e9);
                    System.err.printf("round %d: one learner %.0f examples/s; %d learners on %d threads %.0f examples/s (%.2fx)%n", round + 1,
                            oneRate, threads, threads, manyRate, manyRate / oneRate);
                    Map<String, Object> r = new java.util.LinkedHashMap<>();
                    r.put("round", round + 1);
                    r.put("one_per_s", oneRate);
                    r.put("threads", threads);
                    r.put("parallel_per_s", manyRate);
                    r.put("ratio", manyRate / oneRate);
                    results.add(r);
                }
            }
            case "throughput" -> {
                int repeats = Integer.parseInt(options.getOrDefault("repeats", "3"));
                runner.run("warm-up", ProtocolRunner.settings(spec, LearnerMethod.ER, 5120, 10, 10, seed), 1, false); // JIT warm-up, not recorded
                runner.run("warm-up", ProtocolRunner.settings(spec, LearnerMethod.MER, 5120, 1, 10, seed), 1, false);
                for (int rep = 0; rep < repeats; rep++) {
                    results.add(toJson(runner.run("online-b10",
                            ProtocolRunner.settings(spec, LearnerMethod.ONLINE, 5120, 10, null, seed).withOutliers(outliers), tasks, false)));
                    results.add(toJson(runner.run("er-b10-r10",
                            ProtocolRunner.settings(spec, LearnerMethod.ER, 5120, 10, 10, seed).withOutliers(outliers), tasks, false)));
                    results.add(toJson(runner.run("mer-5120-s10-k11",
                            ProtocolRunner.settings(spec, LearnerMethod.MER, 5120, 1, 10, seed).withOutliers(outliers), tasks, false)));
                }
            }
            case "consolidation" -> {
                // rotated Fashion-MNIST: forgetting of each consolidation method, alone and with replay
                int erBuffer = Integer.parseInt(options.getOrDefault("er-buffer", "500"));
                int merBuffer = Integer.parseInt(options.getOrDefault("mer-buffer", "200"));
                List<String> configs = List.of(options.getOrDefault("configs",
                        "online,ewc,online-ewc,kfac,er,mer,mer+kfac").split(","));
                for (String config : configs) {
                    String[] parts = config.split("\\+");
                    String base = List.of("ewc", "online-ewc", "kfac", "ncl").contains(parts[0]) ? "online" : parts[0];
                    String consolidation = parts.length > 1 ? parts[1] : base.equals(parts[0]) ? "none" : parts[0];
                    LearnerMethod method = LearnerMethod.valueOf(base.toUpperCase());
                    int buffer = method == LearnerMethod.ER ? erBuffer : method == LearnerMethod.MER ? merBuffer : erBuffer;
                    LearnerSettings settings = ProtocolRunner.settings(spec, method, buffer, 1, null, seed)
                            .withConsolidation(consolidation(consolidation, options, seed, method)).withOutliers(outliers);
                    results.add(toJson(runner.run(config, settings, tasks, true)));
                }
            }
            case "sweep" -> {
                for (String name : options.getOrDefault("methods", "ewc,kfac").split(",")) {
                    for (String lambda : options.getOrDefault("lambdas", "1,10,100,1000,10000").split(",")) {
                        Map<String, String> o = new HashMap<>(options);
                        o.put("lambda", lambda);
                        LearnerMethod base = LearnerMethod.valueOf(options.getOrDefault("base", "online").toUpperCase());
                        int buffer = Integer.parseInt(options.getOrDefault("buffer", "500"));
                        Integer replay = options.containsKey("replay-batch") ? Integer.valueOf(options.get("replay-batch")) : null;
                        LearnerSettings settings = ProtocolRunner.settings(spec, base, buffer, 1, replay, seed)
                                .withConsolidation(consolidation(name, o, seed, base)).withOutliers(outliers);
                        boolean taskFree = Boolean.parseBoolean(options.getOrDefault("task-free", "false"));
                        results.add(toJson(runner.run(base.name().toLowerCase() + "+" + name + " λ=" + lambda
                                + (taskFree ? " task-free every " + options.getOrDefault("every", "0") : ""), settings, tasks, true, taskFree)));
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown bench " + args[0]);
        }
        for (Map<String, Object> r : results) {
            r.put("kernels", kernels);
            r.put("threads", 1);
        }
        Path out = Path.of(options.getOrDefault("out", "target/bench/engram-" + args[0] + ".json"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), results);
        System.err.println("Wrote " + out);
    }

    static Consolidators.Settings consolidation(String name, Map<String, String> options, long seed) {
        return consolidation(name, options, seed, LearnerMethod.ONLINE);
    }

    static Consolidators.Settings consolidation(String name, Map<String, String> options, long seed, LearnerMethod base) {
        ConsolidationMethod method = ConsolidationMethod.valueOf(name.toUpperCase().replace('-', '_'));
        double lambda = options.containsKey("lambda") ? Double.parseDouble(options.get("lambda"))
                : Consolidators.defaultLambda(method, base);
        return new Consolidators.Settings(method, lambda, options.containsKey("damping") ? Double.parseDouble(options.get("damping")) : Consolidators.defaultDamping(method),
                Double.parseDouble(options.getOrDefault("decay", "0.9")),
                LabelMode.valueOf(options.getOrDefault("label-mode", "sampled").toUpperCase()),
                Integer.parseInt(options.getOrDefault("samples", "1000")), seed + 17, Integer.parseInt(options.getOrDefault("every", "0")));
    }

    /** Results as plain maps for JSON. */
    static Map<String, Object> toJson(ProtocolRunner.Result r) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("label", r.label());
        json.put("implementation", "engram");
        json.put("hyperparameters", r.hyperparameters());
        json.put("examples", r.examples());
        json.put("train_seconds", r.trainSeconds());
        json.put("examples_per_second", r.examplesPerSecond());
        json.putAll(r.figures());
        json.put("eval_seconds", r.evalSeconds());
        json.put("consolidation_seconds", r.consolidationSeconds());
        json.put("refused_as_outliers", r.refused());
        if (r.matrix() != null) {
            json.put("matrix", r.matrix());
            json.put("baseline", r.baseline());
        }
        return json;
    }
}
