package io.engram.schemas;

import io.engram.api.ModelListing;
import io.engram.api.Status;
import io.engram.evaluate.MetricsEvent;
import io.engram.ingest.IngestLoop;
import io.engram.network.Activation;
import io.engram.learn.LearnerStatus;
import io.engram.network.MlpSpec;
import io.engram.learn.ModelSnapshot;
import io.engram.publish.Alias;
import io.engram.publish.Artifacts;
import io.engram.publish.Manifest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Realistic instances of every document the service writes, from fixed inputs, built by the service's own factories. */
final class DocumentFixtures {

    static final Instant CREATED = Instant.parse("2026-11-29T21:30:05.123456Z");
    static final MlpSpec SPEC = new MlpSpec(784, List.of(100, 100), 10, Activation.RELU);
    static final List<String> LABELS = List.of("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot");

    private DocumentFixtures() {
    }

    /** Three tasks, the third ended: a matrix with a row per task end, nulls where not measured. */
    static MetricsEvent metricsEvent() {
        List<String> tasks = List.of("t1", "t2", "t3");
        List<List<Double>> matrix = List.of(Arrays.asList(0.912, 0.1, null), Arrays.asList(0.85, 0.903, 0.11), Arrays.asList(0.81, 0.87, 0.9));
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("acc", 0.86);
        figures.put("la", 0.905);
        figures.put("bwt", -0.0675);
        figures.put("fwt", 0.005);
        figures.put("forgetting", 0.0675);
        Map<String, Double> loss = new LinkedHashMap<>();
        loss.put("t1", 0.31);
        loss.put("t2", 0.28);
        loss.put("t3", 0.25);
        return new MetricsEvent("fashion", null, "t3", tasks, matrix, List.of(0, 1, 2), List.of(0.1, 0.098, 0.102),
                Arrays.asList(null, 0.1, 0.11), figures, 0.88, loss, 3000, 0.042, CREATED);
    }

    /** The method, hyperparameters and consolidation as MER with K-FAC describes them. */
    static Map<String, Object> training() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("method", "mer");
        d.put("learning_rate", 0.03f);
        d.put("beta", 0.03f);
        d.put("gamma", 1.0f);
        d.put("batches", 10);
        d.put("replay_batch", 10);
        d.put("replay_capacity", 5120);
        d.put("replay_policy", "reservoir");
        d.put("prior_step", "once per example");
        d.put("clip_norm", 5.0f);
        d.put("spike_guard", 10.0f);
        d.put("spike_guard_warmup", 500);
        Map<String, Object> consolidation = new LinkedHashMap<>();
        consolidation.put("method", "kfac");
        consolidation.put("lambda", 100.0);
        consolidation.put("damping", 0.001);
        consolidation.put("label_mode", "sampled");
        consolidation.put("samples", 1000);
        consolidation.put("prior", "one Kronecker pair per layer, trace-preserving sum over tasks");
        d.put("consolidation", consolidation);
        return d;
    }

    static ModelSnapshot snapshot(boolean folded) {
        List<String> triggers = folded ? List.of("periodic", "publish", "task_end:t3") : List.of("task_end:t3");
        return new ModelSnapshot("fashion", "task_end:t3", triggers, triggers.size(), SPEC, new float[SPEC.parameterCount()],
                List.of("t1", "t2", "t3"), 3000, training(), Map.of("engram.examples-0", 3412L));
    }

    /** The DL4J zip and the ONNX model of a version, here stand-in bytes: 2.5 chunks of 1 KiB and one. */
    static Map<String, byte[]> artifacts() {
        Map<String, byte[]> artifacts = new LinkedHashMap<>();
        byte[] zip = new byte[2560];
        byte[] onnx = new byte[700];
        for (int i = 0; i < zip.length; i++) {
            zip[i] = (byte) (i * 31);
        }
        Arrays.fill(onnx, (byte) 7);
        artifacts.put(Artifacts.FORMAT, zip);
        artifacts.put(Artifacts.ONNX, onnx);
        return artifacts;
    }

    static Manifest manifest(boolean folded, List<String> features) {
        Map<String, Long> offsets = new TreeMap<>();
        offsets.put("engram.examples-0", 3412L);
        offsets.put("engram.examples-1", 17L);
        return Manifest.of(snapshot(folded), 4, 3L, CREATED, offsets, artifacts(), 1024, new Manifest.Labels(LABELS, features), 42,
                metricsEvent().withVersion(4).document(2),
                new Manifest.Platform("engram 0.1.0-SNAPSHOT", "17.0.13", "jvm-kernel (Vector API)", "cpu", "Linux amd64"));
    }

    static Alias alias() {
        return new Alias("fashion", "stable", 4, CREATED.toString());
    }

    static Status status() {
        Map<String, LearnerStatus> models = new LinkedHashMap<>();
        models.put("fashion", new LearnerStatus(3000, 1500, List.of("t1", "t2", "t3"), List.of("t1", "t2", "t3"), 4, 0.25));
        models.put("churn", new LearnerStatus(0, 12, List.of("q1"), List.of(), 0, Double.NaN));
        Map<String, IngestLoop.Parked> parked = Map.of("churn", new IngestLoop.Parked("churn", "java.lang.IllegalStateException: boom", CREATED));
        return Status.of("127.0.0.1:9092", List.of("engram.examples", "engram.models", "engram.model-chunks", "engram.metrics", "engram.dlq"),
                IngestLoop.State.RUNNING, null, models, parked, new Status.Instance("3f2a9c1e", "engram-outputs-3f2a9c1e", false, 1, 812L,
                        List.of(new Status.Partition("engram.examples-0", List.of("fashion", "churn"), 4512, false, 0))));
    }

    static List<ModelListing> listing() {
        List<ModelListing> out = new ArrayList<>();
        out.add(new ModelListing("fashion", List.of(4L, 3L, 2L, 1L), Map.of("latest", 4L)));
        return out;
    }
}
