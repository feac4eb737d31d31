package io.engram.publish;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.engram.evaluate.MetricsEvent;
import io.engram.network.Kernel;
import io.engram.network.MlpSpec;
import io.engram.learn.ModelSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A version's manifest on engram.models (schemas/model-version.schema.json), as written. Optional
 * members ({@code triggers}, {@code triggers_folded}, {@code artifact.chunk_bytes},
 * {@code architecture.features}, {@code layers[].loss}) are left out when null; every other member is
 * written, null included.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Manifest(
        String model,
        long version,
        Long parent,
        String created,
        String trigger,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> triggers,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("triggers_folded") Integer triggersFolded,
        List<String> tasks,
        @JsonProperty("examples_seen") long examplesSeen,
        Map<String, Long> offsets,
        Artifact artifact,
        List<Artifact> artifacts,
        Architecture architecture,
        Training training,
        MetricsEvent.Document metrics,
        Platform runtime) {

    /**
     * The manifest of version {@code version} of a snapshot: {@code artifacts} by format, the DL4J
     * zip ({@link Artifacts#FORMAT}) among them; {@code triggers} and {@code triggers_folded} only
     * when more than one trigger was folded into it.
     */
    public static Manifest of(ModelSnapshot s, long version, Long parent, Instant created, Map<String, Long> offsets,
            Map<String, byte[]> artifacts, int chunkBytes, Labels labels, long seed, MetricsEvent.Document metrics, Platform runtime) {
        boolean folded = s.foldedCount() > 1;
        byte[] artifact = artifacts.get(Artifacts.FORMAT);
        return new Manifest(s.model(), version, parent, created.toString(), s.trigger(), folded ? s.folded() : null,
                folded ? s.foldedCount() : null, s.tasks(), s.examplesSeen(), offsets,
                Artifact.of(Artifacts.FORMAT, artifact, chunkBytes).withChunkBytes(chunkBytes), Artifacts.describe(artifacts, chunkBytes),
                Architecture.of(s.spec(), labels), Training.of(s.training(), seed), metrics, runtime);
    }

    /** One artifact: its format, size, SHA-256 (lower-case hex) and number of chunks; the chunk size only in {@code artifact}. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Artifact(String format, int bytes, String sha256, int chunks,
            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("chunk_bytes") Integer chunkBytes) {

        static Artifact of(String format, byte[] bytes, int chunkBytes) {
            return new Artifact(format, bytes.length, Artifacts.sha256(bytes), Artifacts.chunkCount(bytes.length, chunkBytes), null);
        }

        Artifact withChunkBytes(int chunkBytes) {
            return new Artifact(format, bytes, sha256, chunks, chunkBytes);
        }
    }

    /** The class names in output order and, when declared, the feature names in input order. */
    public record Labels(List<String> labels, List<String> features) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Architecture(@JsonProperty("input_size") int inputSize, List<Layer> layers, int classes, List<String> labels,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<String> features) {

        static Architecture of(MlpSpec spec, Labels labels) {
            List<Layer> layers = new ArrayList<>();
            int[] sizes = spec.sizes();
            for (int l = 0; l < spec.layers(); l++) {
                boolean output = l == spec.layers() - 1;
                layers.add(new Layer(output ? "output" : "dense", sizes[l], sizes[l + 1], output ? "softmax" : spec.activation().code(),
                        output ? "mcxent" : null));
            }
            return new Architecture(spec.inputSize(), layers, spec.classes(), labels.labels(), labels.features());
        }
    }

    /** One layer of the network: {@code loss} only on the output layer. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Layer(String type, int in, int out, String activation, @JsonInclude(JsonInclude.Include.NON_NULL) String loss) {
    }

    /**
     * The learning method, its hyperparameters and the consolidation's description, free-form objects
     * in the schema whose members depend on the method (see the methods' and consolidators' describe).
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Training(String method, Map<String, Object> hyperparameters, Map<String, Object> consolidation, long seed) {

        /** From a learner's description ({@code method}, its hyperparameters, {@code consolidation}). */
        @SuppressWarnings("unchecked")
        static Training of(Map<String, Object> described, long seed) {
            Map<String, Object> hyperparameters = new LinkedHashMap<>(described);
            Object method = hyperparameters.remove("method");
            Object consolidation = hyperparameters.remove("consolidation");
            return new Training((String) method, hyperparameters, (Map<String, Object>) consolidation, seed);
        }
    }

    /** Where the version was trained. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Platform(String service, String java, String backend, String device, String os) {

        /** This JVM, with the kernel the learners run on. */
        public static Platform current(Kernel kernel) {
            String v = Manifest.class.getPackage().getImplementationVersion();
            return new Platform("engram " + (v == null ? "0.1.0-SNAPSHOT" : v), System.getProperty("java.version"),
                    kernel == Kernel.ND4J ? "nd4j" : "jvm-kernel"
                            + (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? " (Vector API)" : " (scalar)"),
                    kernel == Kernel.ND4J ? "nd4j backend device" : "cpu",
                    System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        }
    }
}
