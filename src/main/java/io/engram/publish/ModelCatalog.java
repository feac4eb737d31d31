package io.engram.publish;

import com.fasterxml.jackson.databind.JsonNode;
import io.engram.network.Dl4jModels;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The published versions the service knows, for the HTTP endpoints: an index of version numbers
 * (the newest {@code listedVersions} per model, with each version's creation time), the aliases,
 * and a cache of the {@code cachedVersions} most recently used versions (manifest, and once asked
 * for, the artifact bytes of each format and one network for predictions). A version that is not cached is read from
 * Kafka on demand (one read at a time) and then cached. Filled from engram.models at start-up
 * and by the publisher after each committed version.
 */
public final class ModelCatalog {

    /** Reads versions back from Kafka. */
    public interface Reader {
        /**
         * The manifest of a version; null when Kafka holds no usable one.
         *
         * @param createdMillis the version's creation time when known (a read may start there), else −1
         */
        JsonNode manifest(String model, long version, long createdMillis);

        /**
         * The artifact of one format of a manifest, verified against that format's size and SHA-256
         * in the manifest.
         *
         * @throws ModelTopics.ArtifactMismatchException when its chunks do not rebuild it
         */
        byte[] artifact(JsonNode manifest, String format);
    }

    /**
     * One version: its manifest (JSON), the artifact bytes of each format it lists (read from Kafka
     * on first use of that format when the version was not published by this process), and one
     * network for predictions, built on first use.
     */
    public static final class Entry {
        private final JsonNode manifest;
        private final long version;
        /** Reads an artifact when it is not held; null for versions published by this process. */
        private final ModelCatalog from;
        /** format → artifact bytes, those held so far. */
        private final Map<String, byte[]> artifacts = new ConcurrentHashMap<>();
        private MlpSpec spec;
        private float[] parameters;
        private JvmMlp predictor;

        Entry(long version, JsonNode manifest, Map<String, byte[]> artifacts, MlpSpec spec, float[] parameters, ModelCatalog from) {
            this.from = from;
            this.version = version;
            this.manifest = manifest;
            this.artifacts.putAll(artifacts);
            this.spec = spec;
            this.parameters = parameters;
        }

        public long version() {
            return version;
        }

        public JsonNode manifest() {
            return manifest;
        }

        /**
         * The DL4J model zip, read from Kafka when not held yet.
         *
         * @throws ModelTopics.ArtifactMismatchException when its chunks do not rebuild it
         */
        public byte[] artifact() {
            byte[] zip = artifact(Artifacts.FORMAT);
            if (zip == null) {
                throw new ModelTopics.ArtifactMismatchException("version " + version + " has no " + Artifacts.FORMAT + " artifact");
            }
            return zip;
        }

        /**
         * The artifact of one format ({@code dl4j-multilayernetwork-zip}, {@code onnx}); null when the
         * manifest lists no such format. Read from Kafka (one read at a time in the catalog) when not
         * held yet, and held from then on.
         *
         * @throws ModelTopics.ArtifactMismatchException when its chunks do not rebuild it
         */
        public byte[] artifact(String format) {
            byte[] held = artifacts.get(format);
            if (held != null || from == null || ModelTopics.artifactEntry(manifest, format) == null) {
                return held;
            }
            synchronized (from.readLock) {
                held = artifacts.get(format);
                if (held == null) {
                    held = from.reader.artifact(manifest, format);
                    artifacts.put(format, held);
                }
            }
            return held;
        }

        /** The formats this version's manifest lists. */
        public List<String> formats() {
            return ModelTopics.formats(manifest);
        }

        /** The SHA-256 of the DL4J model zip, as the manifest lists it. */
        public String sha256() {
            return sha256(Artifacts.FORMAT);
        }

        /** The SHA-256 of one format's artifact, as the manifest lists it; null when it lists no such format. */
        public String sha256(String format) {
            JsonNode entry = ModelTopics.artifactEntry(manifest, format);
            return entry == null || !entry.path("sha256").isTextual() ? null : entry.path("sha256").asText();
        }

        public int inputSize() {
            return manifest.path("architecture").path("input_size").asInt();
        }

        /**
         * Class probabilities of x under this version, from the one network of this version (built
         * from the artifact on first use); calls on one version run one at a time.
         *
         * @throws ModelTopics.ArtifactMismatchException when the artifact is not usable
         */
        public synchronized float[] predict(float[] x) {
            if (predictor == null) {
                if (parameters == null) {
                    try {
                        Dl4jModels.Loaded loaded = Dl4jModels.read(new ByteArrayInputStream(artifact()));
                        spec = loaded.spec();
                        parameters = loaded.parameters();
                    } catch (IOException e) {
                        throw new ModelTopics.ArtifactMismatchException("the artifact of version " + version + " does not load: " + e.getMessage());
                    }
                }
                predictor = new JvmMlp(spec, 1, parameters);
                parameters = null; // the network holds its own copy
            }
            float[] p = new float[spec.classes()];
            predictor.predict(x, 0, p);
            return p;
        }
    }

    private record Key(String model, long version) {
    }

    private final int cachedVersions;
    private final int listedVersions;
    private final Reader reader;
    /** model → version → creation time (ms), the newest listedVersions per model; guarded by this. */
    private final Map<String, NavigableMap<Long, Long>> index = new HashMap<>();
    /** model → alias → version; guarded by this. */
    private final Map<String, Map<String, Long>> aliases = new HashMap<>();
    /** The versions held in full, least recently used first; guarded by this. */
    private final LinkedHashMap<Key, Entry> cache;
    /** One read from Kafka at a time. */
    private final Object readLock = new Object();

    /**
     * @param cachedVersions versions held in full, over all models (at least 1)
     * @param listedVersions version numbers indexed per model (at least 1)
     */
    public ModelCatalog(int cachedVersions, int listedVersions, Reader reader) {
        this.cachedVersions = cachedVersions;
        this.listedVersions = listedVersions;
        this.reader = reader;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
                return size() > ModelCatalog.this.cachedVersions;
            }
        };
    }

    /** A committed version, held in full (it is the newest, so the most likely to be asked for). */
    public synchronized void add(String model, Entry entry) {
        long created;
        try {
            created = java.time.Instant.parse(entry.manifest().path("created").asText()).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            created = -1;
        }
        index(model, entry.version(), created);
        cache.put(new Key(model, entry.version()), entry);
    }

    /** A version known to be on Kafka, listed but not held. */
    public synchronized void index(String model, long version, long createdMillis) {
        NavigableMap<Long, Long> versions = index.computeIfAbsent(model, m -> new TreeMap<>());
        versions.put(version, createdMillis);
        while (versions.size() > listedVersions) {
            versions.pollFirstEntry();
        }
    }

    /** Forgets a version (its manifest was replaced by an unusable record or deleted). */
    public synchronized void remove(String model, long version) {
        NavigableMap<Long, Long> versions = index.get(model);
        if (versions != null) {
            versions.remove(version);
            if (versions.isEmpty()) {
                index.remove(model);
            }
        }
        cache.remove(new Key(model, version));
    }

    /** A version published by this process, with its artifact and parameters. */
    static Entry entry(long version, JsonNode manifest, byte[] artifact, MlpSpec spec, float[] parameters) {
        return entry(version, manifest, Map.of(Artifacts.FORMAT, artifact), spec, parameters);
    }

    /** A version published by this process, with its artifacts by format (the DL4J zip at least) and parameters. */
    static Entry entry(long version, JsonNode manifest, Map<String, byte[]> artifacts, MlpSpec spec, float[] parameters) {
        return new Entry(version, manifest, artifacts, spec, parameters, null);
    }

    public synchronized void alias(String model, String alias, long version) {
        aliases.computeIfAbsent(model, m -> new HashMap<>()).put(alias, version);
    }

    public synchronized void removeAlias(String model, String alias) {
        Map<String, Long> of = aliases.get(model);
        if (of != null) {
            of.remove(alias);
        }
    }

    /** Models and their listed versions, newest first. */
    public synchronized Map<String, List<Long>> models() {
        Map<String, List<Long>> out = new TreeMap<>();
        index.forEach((model, v) -> out.put(model, new ArrayList<>(v.descendingKeySet())));
        return out;
    }

    public synchronized Map<String, Long> aliases(String model) {
        return Map.copyOf(aliases.getOrDefault(model, Map.of()));
    }

    /** The highest version of a model, 0 when none. */
    public synchronized long latestVersion(String model) {
        NavigableMap<Long, Long> v = index.get(model);
        return v == null || v.isEmpty() ? 0 : v.lastKey();
    }

    /** Versions held in full now. */
    public synchronized int cached() {
        return cache.size();
    }

    /**
     * A version by number, {@code latest} or {@code stable}; null when there is none. The manifest
     * of a version not held is read from Kafka (which may take as long as reading engram.models
     * from the version's creation time, or from its beginning for a version older than the
     * index); its artifact is read when first asked for.
     */
    public Entry find(String model, String version) {
        long number;
        long created;
        synchronized (this) {
            NavigableMap<Long, Long> v = index.get(model);
            if (v == null || v.isEmpty()) {
                return null;
            }
            if (version.equals("latest")) {
                number = v.lastKey();
            } else if (version.equals("stable")) {
                Long stable = aliases.getOrDefault(model, Map.of()).get("stable");
                if (stable == null) {
                    return null;
                }
                number = stable;
            } else {
                try {
                    number = Long.parseLong(version);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            Entry held = cache.get(new Key(model, number));
            if (held != null) {
                return held;
            }
            Long at = v.get(number);
            if (at == null && (number < 1 || number > v.lastKey() || number >= v.firstKey())) {
                return null; // never published, or not listed although newer than the oldest listed version
            }
            created = at == null ? -1 : at;
        }
        synchronized (readLock) {
            synchronized (this) {
                Entry held = cache.get(new Key(model, number));
                if (held != null) {
                    return held;
                }
            }
            JsonNode manifest = reader.manifest(model, number, created);
            if (manifest == null) {
                return null;
            }
            Entry read = new Entry(number, manifest, Map.of(), null, null, this);
            synchronized (this) {
                cache.put(new Key(model, number), read);
            }
            return read;
        }
    }
}
