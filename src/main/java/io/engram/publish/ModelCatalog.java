package io.engram.publish;

import com.fasterxml.jackson.databind.JsonNode;
import io.engram.learn.Dl4jModels;
import io.engram.learn.JvmMlp;
import io.engram.learn.MlpSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The published versions the service knows: manifests, artifacts and aliases, for the HTTP
 * endpoints. Filled from Kafka at start-up (read_committed) and by the publisher after each
 * committed version.
 */
public final class ModelCatalog {

    /** One version: its manifest (JSON), artifact bytes, and a network for predictions, built on first use. */
    public static final class Entry {
        private final JsonNode manifest;
        private final byte[] artifact;
        private final Map<String, byte[]> artifacts;
        private final long version;
        private volatile float[] parameters;
        private volatile MlpSpec spec;

        Entry(long version, JsonNode manifest, Map<String, byte[]> artifacts, MlpSpec spec, float[] parameters) {
            this.version = version;
            this.manifest = manifest;
            this.artifacts = Map.copyOf(artifacts);
            this.artifact = artifacts.get(Artifacts.FORMAT);
            this.spec = spec;
            this.parameters = parameters;
        }

        public long version() {
            return version;
        }

        public JsonNode manifest() {
            return manifest;
        }

        public byte[] artifact() {
            return artifact;
        }

        public String sha256() {
            return manifest.path("artifact").path("sha256").asText();
        }

        /** The artifact of one format ({@code dl4j-multilayernetwork-zip}, {@code onnx}), or null when this version has none. */
        public byte[] artifact(String format) {
            return artifacts.get(format);
        }

        /** The SHA-256 of one format's artifact, as the manifest lists it. */
        public String sha256(String format) {
            JsonNode entry = ModelTopics.artifactEntry(manifest, format);
            return entry == null ? null : entry.path("sha256").asText();
        }

        /** Class probabilities of x under this version. */
        public float[] predict(float[] x) {
            if (parameters == null) {
                synchronized (this) {
                    if (parameters == null) {
                        try {
                            Dl4jModels.Loaded loaded = Dl4jModels.read(new ByteArrayInputStream(artifact));
                            spec = loaded.spec();
                            parameters = loaded.parameters();
                        } catch (IOException e) {
                            throw new UncheckedIOException("artifact of version " + version + " does not load", e);
                        }
                    }
                }
            }
            float[] p = new float[spec.classes()];
            new JvmMlp(spec, 1, parameters).predict(x, 0, p);
            return p;
        }

        public int inputSize() {
            return manifest.path("architecture").path("input_size").asInt();
        }
    }

    private final Map<String, NavigableMap<Long, Entry>> versions = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> aliases = new ConcurrentHashMap<>();

    public void add(String model, Entry entry) {
        versions.computeIfAbsent(model, m -> Collections.synchronizedNavigableMap(new TreeMap<>())).put(entry.version(), entry);
    }

    static Entry entry(long version, JsonNode manifest, byte[] artifact, MlpSpec spec, float[] parameters) {
        return entry(version, manifest, Map.of(Artifacts.FORMAT, artifact), spec, parameters);
    }

    /** An entry with its artifacts by format (the DL4J zip at least). */
    static Entry entry(long version, JsonNode manifest, Map<String, byte[]> artifacts, MlpSpec spec, float[] parameters) {
        return new Entry(version, manifest, artifacts, spec, parameters);
    }

    public void alias(String model, String alias, long version) {
        aliases.computeIfAbsent(model, m -> new ConcurrentHashMap<>()).put(alias, version);
    }

    /** Models and their versions, newest first. */
    public Map<String, List<Long>> models() {
        Map<String, List<Long>> out = new TreeMap<>();
        versions.forEach((model, v) -> {
            List<Long> list = new ArrayList<>(v.descendingKeySet());
            out.put(model, list);
        });
        return out;
    }

    public Map<String, Long> aliases(String model) {
        return Map.copyOf(aliases.getOrDefault(model, Map.of()));
    }

    /** The highest version of a model, 0 when none. */
    public long latestVersion(String model) {
        NavigableMap<Long, Entry> v = versions.get(model);
        return v == null || v.isEmpty() ? 0 : v.lastKey();
    }

    /** A version by number, {@code latest} or {@code stable}; null when there is none. */
    public Entry find(String model, String version) {
        NavigableMap<Long, Entry> v = versions.get(model);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (version.equals("latest")) {
            return v.lastEntry().getValue();
        }
        if (version.equals("stable")) {
            Long stable = aliases.getOrDefault(model, Map.of()).get("stable");
            return stable == null ? null : v.get(stable);
        }
        try {
            return v.get(Long.parseLong(version));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
