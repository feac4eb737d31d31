package io.engram.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaAccess;
import io.engram.broker.Outbox;
import io.engram.config.EngramConfig;
import io.engram.evaluate.MetricsEvent;
import io.engram.network.Dl4jModels;
import io.engram.learn.ModelSnapshot;
import io.engram.learn.VersionSink;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes model versions through the outbox, so a version is committed with the offsets it was
 * built from: the artifacts (a DL4J model zip, and its ONNX model beside it) in chunks on
 * engram.model-chunks, the manifest on engram.models, the alias records {@code <model>:@latest} and, when the guard passes,
 * {@code <model>:@stable}. Versions are 1, 2, 3 … per model, each with its parent.
 */
@ApplicationScoped
public class ModelPublisher implements VersionSink {

    private static final Logger LOG = LoggerFactory.getLogger(ModelPublisher.class);

    @Inject
    EngramConfig config;

    @Inject
    KafkaAccess kafka;

    @Inject
    ObjectMapper json;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    private ModelCatalog catalog;
    private SkippedRecords skipped;

    @jakarta.annotation.PostConstruct
    void createCatalog() {
        skipped = new SkippedRecords(registry);
        catalog = new ModelCatalog(config.publish().cachedVersions(), config.publish().listedVersions(), new ModelCatalog.Reader() {
            @Override
            public JsonNode manifest(String model, long version, long createdMillis) {
                return ModelTopics.readManifest(kafka.clients(), kafka.topics(), model, version, createdMillis, skipped);
            }

            @Override
            public byte[] artifact(JsonNode manifest, String format) {
                return ModelTopics.readArtifact(kafka.clients(), kafka.topics(), manifest, format, skipped);
            }
        });
    }
    /** The newest version number given to each model, committed or in the open transaction. */
    private final Map<String, Long> lastVersion = new ConcurrentHashMap<>();
    /** The newest committed version of each model, from Kafka at start-up and from each commit since. */
    private final Map<String, Long> committedLatest = new ConcurrentHashMap<>();
    private final Clock clock = Clock.systemUTC();
    private final java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();

    public ModelCatalog catalog() {
        return catalog;
    }

    /**
     * Learns the versions already on Kafka, so numbering continues after a restart and HTTP lists
     * them: reads engram.models (manifests and aliases; the latest record of a key wins) into the
     * catalog's index. Artifacts are read when first asked for. A record it cannot use is skipped
     * and counted ({@link SkippedRecords}), never thrown.
     */
    public void load() {
        long started = clock.millis();
        scan(-1);
        lastScanMillis = started;
    }

    private volatile long lastScanMillis = -1;

    /**
     * Catches up with versions other instances of the group published (models move between them):
     * reads engram.models from a little before the last scan (records are stamped when sent; a
     * transaction commits them within its timeout). Called when partitions are assigned, so numbering
     * of a moved model continues from its newest version, and periodically, so HTTP and the
     * dashboard of any instance list every model.
     */
    public void refresh() {
        long started = clock.millis();
        long from = lastScanMillis;
        scan(from < 0 ? -1 : from - 2 * config.kafka().transactionTimeout().toMillis() - 10_000);
        lastScanMillis = started;
    }

    private void scan(long fromMillis) {
        String topic = kafka.topics().models();
        int[] found = {0};
        ModelTopics.scan(kafka.clients(), topic, fromMillis, (key, value) -> {
            ModelTopics.ModelsKey parsed;
            try {
                parsed = ModelTopics.modelsKey(key);
            } catch (ModelTopics.UnusableRecord e) {
                skipped.skip(topic, e);
                return;
            }
            // a later unusable record or a tombstone replaces what the key held before
            if (parsed instanceof ModelTopics.AliasKey alias) {
                catalog.removeAlias(alias.model(), alias.alias());
            } else if (parsed instanceof ModelTopics.ManifestKey manifest) {
                catalog.remove(manifest.model(), manifest.version());
            }
            if (value == null) {
                return;
            }
            try {
                if (parsed instanceof ModelTopics.AliasKey alias) {
                    catalog.alias(alias.model(), alias.alias(), ModelTopics.aliasVersion(alias, value));
                } else if (parsed instanceof ModelTopics.ManifestKey manifest) {
                    catalog.index(manifest.model(), manifest.version(), ModelTopics.manifest(manifest, value).createdMillis());
                    found[0]++;
                }
            } catch (ModelTopics.UnusableRecord e) {
                skipped.skip(topic, e);
            }
        });
        catalog.models().forEach((model, versions) -> {
            if (!versions.isEmpty()) {
                committedLatest.merge(model, versions.get(0), Math::max);
            }
        });
        committedLatest.forEach((model, version) -> {
            lastVersion.merge(model, version, Math::max);
            versionGauge(model).set(version);
        });
        if (found[0] > 0 && fromMillis < 0) {
            LOG.info("Found {} published versions of {} models on {}", found[0], committedLatest.size(), topic);
        }
    }

    /** Versions published (not replayed) since start: a snapshot is due when it grows. */
    public long published() {
        return published.get();
    }

    /** The newest version number given to a model (committed, or in the open transaction); 0 when none. */
    public long lastVersion(String model) {
        return Math.max(lastVersion.getOrDefault(model, 0L), committedLatest.getOrDefault(model, 0L));
    }

    @Override
    public boolean replaying() {
        return kafka.outbox().suppressed();
    }

    /** The newest committed version of a model (Kafka's), 0 when none. */
    public long committedLatest(String model) {
        return committedLatest.getOrDefault(model, 0L);
    }

    @Override
    public long publish(ModelSnapshot snapshot, MetricsEvent metrics) {
        String model = snapshot.model();
        Outbox outbox = kafka.outbox();
        if (outbox.suppressed()) {
            // replaying records whose versions are already on Kafka: write nothing, number nothing
            return 0;
        }
        long version = Math.max(lastVersion.getOrDefault(model, 0L), committedLatest.getOrDefault(model, 0L)) + 1;
        Long parent = version > 1 ? version - 1 : null;
        lastVersion.put(model, version);
        // registered before any send: an abort (or a failure below) gives the number back, so none is skipped
        outbox.afterAbort(() -> lastVersion.computeIfPresent(model, (m, v) -> v == version ? version - 1 : v));
        try {
            return publish(snapshot, metrics, outbox, model, version, parent);
        } catch (RuntimeException e) {
            lastVersion.computeIfPresent(model, (m, v) -> v == version ? version - 1 : v);
            throw e;
        }
    }

    private long publish(ModelSnapshot snapshot, MetricsEvent metrics, Outbox outbox, String model, long version, Long parent) {
        published.incrementAndGet();
        MetricsEvent stamped = metrics.withVersion(version);

        byte[] artifact = artifact(snapshot);
        Map<String, byte[]> artifacts = artifacts(snapshot, version, artifact);
        Manifest manifest = manifest(snapshot, version, parent, artifacts, stamped);
        artifacts.forEach((format, bytes) -> {
            List<byte[]> formatChunks = Artifacts.chunks(bytes, config.publish().chunkBytes());
            for (int i = 0; i < formatChunks.size(); i++) {
                outbox.send(new ProducerRecord<>(kafka.topics().modelChunks(),
                        Artifacts.utf8(Artifacts.chunkKey(model, version, format, i)), formatChunks.get(i)));
            }
        });
        byte[] manifestBytes = bytes(manifest);
        outbox.send(new ProducerRecord<>(kafka.topics().models(), Artifacts.utf8(Artifacts.manifestKey(model, version)), manifestBytes));
        outbox.send(alias(model, "latest", version));
        StableGuard guard = new StableGuard(config.publish().stable().minAcc(), config.publish().stable().maxForgetting());
        boolean stable = guard.passes(stamped);
        if (stable) {
            outbox.send(alias(model, "stable", version));
        }
        JsonNode manifestJson = ModelTopics.json(manifestBytes);
        outbox.afterCommit(() -> {
            committedLatest.merge(model, version, Math::max);
            versionGauge(model).set(version);
            catalog.add(model, ModelCatalog.entry(version, manifestJson, artifacts, snapshot.spec(), snapshot.parameters()));
            catalog.alias(model, "latest", version);
            if (stable) {
                catalog.alias(model, "stable", version);
            }
        });
        LOG.info("Model {}: version {} ({}, {} bytes in {} chunks, ONNX {} bytes){}", model, version, snapshot.trigger(),
                artifact.length, Artifacts.chunkCount(artifact.length, config.publish().chunkBytes()), artifacts.get(Artifacts.ONNX).length,
                stable ? ", promoted to stable" : ", not promoted: " + guard.explain(stamped));
        return version;
    }

    private final Map<String, java.util.concurrent.atomic.AtomicLong> versionGauges = new ConcurrentHashMap<>();

    /** engram_model_version{model}: the newest committed version. */
    private java.util.concurrent.atomic.AtomicLong versionGauge(String model) {
        return versionGauges.computeIfAbsent(model, m -> {
            java.util.concurrent.atomic.AtomicLong v = new java.util.concurrent.atomic.AtomicLong();
            io.micrometer.core.instrument.Gauge.builder("engram.model.version", v, java.util.concurrent.atomic.AtomicLong::get)
                    .description("Newest committed model version").tag("model", m).register(registry);
            return v;
        });
    }

    private ProducerRecord<byte[], byte[]> alias(String model, String alias, long version) {
        Alias value = new Alias(model, alias, version, clock.instant().toString());
        return new ProducerRecord<>(kafka.topics().models(), Artifacts.utf8(Artifacts.aliasKey(model, alias)), bytes(value));
    }

    private static byte[] artifact(ModelSnapshot snapshot) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Dl4jModels.write(snapshot.spec(), snapshot.parameters(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model artifact", e);
        }
        return out.toByteArray();
    }

    /** The version's artifacts by format: the DL4J zip first, then its ONNX model. */
    private Map<String, byte[]> artifacts(ModelSnapshot snapshot, long version, byte[] dl4j) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("model", snapshot.model());
        metadata.put("version", Long.toString(version));
        metadata.put("input_name", OnnxExport.INPUT);
        metadata.put("output_name", OnnxExport.OUTPUT);
        metadata.put("input_size", Integer.toString(snapshot.spec().inputSize()));
        metadata.put("labels", new String(bytes(config.model().labels()), java.nio.charset.StandardCharsets.UTF_8));
        config.model().features().ifPresent(f -> metadata.put("features", new String(bytes(f), java.nio.charset.StandardCharsets.UTF_8)));
        Map<String, byte[]> artifacts = new LinkedHashMap<>();
        artifacts.put(Artifacts.FORMAT, dl4j);
        artifacts.put(Artifacts.ONNX, OnnxExport.write(snapshot.spec(), snapshot.parameters(), metadata));
        return artifacts;
    }

    private Manifest manifest(ModelSnapshot s, long version, Long parent, Map<String, byte[]> artifacts, MetricsEvent metrics) {
        return Manifest.of(s, version, parent, clock.instant(), new java.util.TreeMap<>(s.offsets()), artifacts, config.publish().chunkBytes(),
                new Manifest.Labels(config.model().labels(), config.model().features().orElse(null)), config.model().seed(),
                metrics.document(config.evaluation().matrixWindow()), Manifest.Platform.current(config.learner().kernel().resolve()));
    }

    private byte[] bytes(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
