package io.engram.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks the settings that their types alone cannot: ranges, sizes that must agree, names.
 * Every problem is reported at once, each naming the key, the value and what is allowed.
 */
public final class SettingsValidator {

    /** Kafka topic names: at most 249 characters of [a-zA-Z0-9._-]; the prefix leaves room for the suffix. */
    private static final Pattern TOPIC_PREFIX = Pattern.compile("[a-zA-Z0-9._-]{0,200}");

    private SettingsValidator() {
    }

    /** Returns the problems found, empty when the settings are usable. */
    public static List<String> problems(EngramConfig config) {
        return problems(config, Runtime.getRuntime().maxMemory());
    }

    /** The problems found, with the memory the models would need checked against {@code maxHeapBytes}. */
    public static List<String> problems(EngramConfig config, long maxHeapBytes) {
        List<String> problems = new ArrayList<>();
        EngramConfig.Kafka kafka = config.kafka();
        range(problems, "engram.kafka.embedded.port", kafka.embedded().port(), 0, 65535,
                "0 (any free port) to 65535");
        atLeast(problems, "engram.kafka.topics.partitions", kafka.topics().partitions(), 1);
        atLeast(problems, "engram.kafka.topics.replication-factor", kafka.topics().replicationFactor(), 1);
        kafka.bootstrapServers().ifPresent(servers -> {
            if (servers.isBlank()) {
                problems.add(message("engram.kafka.bootstrap-servers", servers,
                        "host:port[,host:port...], or leave it unset for the embedded broker"));
            }
        });
        if (kafka.requestTimeout().isNegative() || kafka.requestTimeout().isZero()) {
            problems.add(message("engram.kafka.request-timeout", kafka.requestTimeout(), "a positive duration"));
        }
        if (kafka.groupId().isBlank()) {
            problems.add(message("engram.kafka.group-id", kafka.groupId(), "a non-empty consumer group id"));
        }
        if (!TOPIC_PREFIX.matcher(config.topicPrefix()).matches()) {
            problems.add(message("engram.topic-prefix", config.topicPrefix(),
                    "up to 200 characters of [a-zA-Z0-9._-]"));
        }
        if (config.dataDir().isBlank()) {
            problems.add(message("engram.data-dir", config.dataDir(), "a folder path"));
        }

        EngramConfig.Model model = config.model();
        atLeast(problems, "engram.model.input-size", model.inputSize(), 1);
        atLeast(problems, "engram.model.classes", model.classes(), 2);
        if (model.labels().size() != model.classes()) {
            problems.add(message("engram.model.labels", String.join(",", model.labels()),
                    "exactly engram.model.classes (" + model.classes() + ") names, found " + model.labels().size()));
        } else if (new HashSet<>(model.labels()).size() != model.labels().size()) {
            problems.add(message("engram.model.labels", String.join(",", model.labels()), "distinct names"));
        }
        model.features().ifPresent(features -> {
            if (features.size() != model.inputSize()) {
                problems.add(message("engram.model.features", abbreviate(features),
                        "exactly engram.model.input-size (" + model.inputSize() + ") names, found " + features.size()));
            } else if (new HashSet<>(features).size() != features.size()) {
                problems.add(message("engram.model.features", abbreviate(features), "distinct names"));
            }
        });
        for (int size : model.hidden()) {
            if (size < 1) {
                problems.add(message("engram.model.hidden", model.hidden(), "positive layer sizes, e.g. 100,100"));
                break;
            }
        }

        EngramConfig.Learner learner = config.learner();
        learner.learningRate().ifPresent(rate -> {
            if (!(rate > 0) || !Double.isFinite(rate)) {
                problems.add(message("engram.learner.learning-rate", rate, "a finite number > 0"));
            }
        });
        atLeast(problems, "engram.learner.replay-capacity", learner.replayCapacity(), 0);
        range(problems, "engram.learner.batch-size", learner.batchSize(), 1, 4096, "1 to 4096");
        learner.replayBatch().ifPresent(k -> range(problems, "engram.learner.replay-batch", k, 0, 4096, "0 to 4096"));
        unitInterval(problems, "engram.learner.mer.beta", learner.mer().beta());
        unitInterval(problems, "engram.learner.mer.gamma", learner.mer().gamma());
        range(problems, "engram.learner.mer.batches", learner.mer().batches(), 1, 1000, "1 to 1000");
        range(problems, "engram.learner.nd4j.sync-every", learner.nd4j().syncEvery(), 1, 1_000_000, "1 to 1000000");
        if (!(learner.clipNorm() >= 0) || !Double.isFinite(learner.clipNorm()) || learner.clipNorm() > Float.MAX_VALUE) {
            problems.add(message("engram.learner.clip-norm", learner.clipNorm(), "a finite number >= 0 (0 = no clipping)"));
        }
        if (!(learner.spikeGuard() == 0 || learner.spikeGuard() >= 1) || !Double.isFinite(learner.spikeGuard())
                || learner.spikeGuard() > Float.MAX_VALUE) {
            problems.add(message("engram.learner.spike-guard", learner.spikeGuard(), "0 (off) or a finite factor >= 1"));
        }
        range(problems, "engram.learner.spike-guard-warmup", learner.spikeGuardWarmup(), 1, 1_000_000, "1 to 1000000");
        if (learner.method() != LearnerMethod.ONLINE && learner.replayCapacity() == 0) {
            problems.add(message("engram.learner.replay-capacity", 0,
                    "at least 1 with engram.learner.method=" + learner.method().name().toLowerCase()
                            + " (replay needs a buffer; use method online for none)"));
        }

        config.consolidation().lambda().ifPresent(lambda -> {
            if (!(lambda >= 0) || !Double.isFinite(lambda)) {
                problems.add(message("engram.consolidation.lambda", lambda, "a finite number >= 0"));
            }
        });

        config.consolidation().damping().ifPresent(damping -> {
            if (config.consolidation().method() == ConsolidationMethod.NCL) {
                // NCL divides by λ c + δ (c may be 0) and pulls by at most η δ a step
                if (!(damping > 0 && damping <= 1)) {
                    problems.add(message("engram.consolidation.damping", damping,
                            "a number in (0, 1] with engram.consolidation.method=ncl (its preconditioner is (λ Λ + δ I)⁻¹)"));
                }
            } else if (!(damping >= 0) || !Double.isFinite(damping)) {
                problems.add(message("engram.consolidation.damping", damping, "a finite number >= 0"));
            }
        });
        unitInterval(problems, "engram.consolidation.decay", config.consolidation().decay());
        range(problems, "engram.consolidation.samples", config.consolidation().samples(), 1, 1_000_000, "1 to 1000000");
        range(problems, "engram.consolidation.every-examples", config.consolidation().everyExamples(), 0,
                config.consolidation().samples(), "0 (only at task ends) to engram.consolidation.samples ("
                        + config.consolidation().samples() + "): the examples since the last consolidation are its samples");

        range(problems, "engram.evaluation.max-per-task", config.evaluation().maxPerTask(), 1, 1_000_000, "1 to 1000000");
        range(problems, "engram.evaluation.prequential-window", config.evaluation().prequentialWindow(), 0, 10_000_000,
                "0 (off) to 10000000");
        atLeast(problems, "engram.evaluation.every-examples", config.evaluation().everyExamples(), 0);
        EngramConfig.Evaluation.Drift drift = config.evaluation().drift();
        if (!(drift.delta() > 0 && drift.delta() < 1)) {
            problems.add(message("engram.evaluation.drift.delta", drift.delta(), "a number in (0, 1), e.g. 0.002"));
        }
        range(problems, "engram.evaluation.drift.min-examples", drift.minExamples(), 0, 10_000_000, "0 to 10000000");

        atLeast(problems, "engram.publish.every-examples", config.publish().everyExamples(), 0);
        range(problems, "engram.publish.chunk-bytes", config.publish().chunkBytes(), 1024, 524288, "1024 to 524288 (512 KiB)");

        range(problems, "engram.publish.cached-versions", config.publish().cachedVersions(), 1, 100_000, "1 to 100000");
        range(problems, "engram.publish.listed-versions", config.publish().listedVersions(), 1, 1_000_000, "1 to 1000000");
        api(problems, config.api());

        atLeast(problems, "engram.checkpoint.every-examples", config.checkpoint().everyExamples(), 1);
        atLeast(problems, "engram.checkpoint.every-seconds", config.checkpoint().everySeconds(), 1);
        atLeast(problems, "engram.checkpoint.chunk-bytes", config.checkpoint().chunkBytes(), 1024);
        if (config.checkpoint().chunkBytes() > config.publish().maxOutputBytes() - 4096) {
            problems.add("engram.checkpoint.chunk-bytes=" + config.checkpoint().chunkBytes() + " must stay 4096 bytes under "
                    + "engram.publish.max-output-bytes=" + config.publish().maxOutputBytes() + " (a chunk record carries its key and headers)");
        }
        atLeast(problems, "engram.ingest.workers", config.ingest().workers(), 0);

        range(problems, "engram.learner.max-tasks", config.learner().maxTasks(), 1, 100_000, "1 to 100000");
        range(problems, "engram.evaluation.max-examples", config.evaluation().maxExamples(), 1, 100_000_000, "1 to 100000000");
        range(problems, "engram.evaluation.matrix-window", config.evaluation().matrixWindow(), 1, 200, "1 to 200");
        if (config.publish().minInterval().isNegative()) {
            problems.add(message("engram.publish.min-interval", config.publish().minInterval(), "a duration >= 0"));
        }
        range(problems, "engram.publish.max-output-bytes", config.publish().maxOutputBytes(), 64 * 1024, 64 * 1024 * 1024,
                "65536 to 67108864 bytes (at most the topics' max.message.bytes)");
        if (config.checkpoint().minInterval().isNegative()) {
            problems.add(message("engram.checkpoint.min-interval", config.checkpoint().minInterval(), "a duration >= 0"));
        }
        if (config.publish().stable().minAcc() <= 0 || config.publish().stable().minAcc() > 1) {
            problems.add(message("engram.publish.stable.min-acc", config.publish().stable().minAcc(),
                    "a number in (0, 1]: stable needs an evaluated accuracy"));
        }

        EngramConfig.Ingest ingest = config.ingest();
        java.time.Duration txTimeout = kafka.transactionTimeout();
        if (txTimeout.compareTo(java.time.Duration.ofSeconds(3)) < 0 || txTimeout.compareTo(java.time.Duration.ofMinutes(15)) > 0) {
            problems.add(message("engram.kafka.transaction-timeout", txTimeout,
                    "3s to 15m (and at most the broker's transaction.max.timeout.ms)"));
        }
        if (ingest.batchDuration().isNegative() || ingest.batchDuration().isZero()
                || ingest.batchDuration().multipliedBy(3).compareTo(txTimeout) > 0) {
            problems.add(message("engram.ingest.batch-duration", ingest.batchDuration(),
                    "a positive duration of at most a third of engram.kafka.transaction-timeout (" + txTimeout + ")"));
        }
        range(problems, "engram.ingest.batch-records", ingest.batchRecords(), 1, 1_000_000, "1 to 1000000");
        range(problems, "engram.ingest.max-models", ingest.maxModels(), 1, 100_000, "1 to 100000");
        if (ingest.inputMin().isPresent() && ingest.inputMax().isPresent()
                && !(ingest.inputMin().getAsDouble() < ingest.inputMax().getAsDouble())) {
            problems.add(message("engram.ingest.input-max", ingest.inputMax().getAsDouble(),
                    "a number greater than engram.ingest.input-min (" + ingest.inputMin().getAsDouble() + ")"));
        }
        range(problems, "engram.ingest.max-record-bytes", ingest.maxRecordBytes(), 2, 64 * 1024 * 1024,
                "2 to 67108864 bytes");
        if (ingest.pollTimeout().isNegative() || ingest.pollTimeout().isZero()) {
            problems.add(message("engram.ingest.poll-timeout", ingest.pollTimeout(), "a positive duration"));
        }
        if (ingest.backoff().isNegative() || ingest.backoff().isZero()) {
            problems.add(message("engram.ingest.backoff", ingest.backoff(), "a positive duration"));
        }
        if (ingest.maxBackoff().compareTo(ingest.backoff()) < 0) {
            problems.add(message("engram.ingest.max-backoff", ingest.maxBackoff(),
                    "a duration no shorter than engram.ingest.backoff (" + ingest.backoff() + ")"));
        }
        if (ingest.avroRegistrySchemaId().isPresent()) {
            int id = ingest.avroRegistrySchemaId().getAsInt();
            if (id < 0) {
                problems.add(message("engram.ingest.avro-registry-schema-id", id, "a schema id from 0 to 2147483647, or unset for any id"));
            } else if (!ingest.avroRegistryWireFormat()) {
                problems.add(message("engram.ingest.avro-registry-schema-id", id,
                        "unset while engram.ingest.avro-registry-wire-format is false (the id is only read in that format)"));
            }
        }
        if (problems.isEmpty()) {
            long perModel = modelBytes(config);
            long versions = (long) config.publish().cachedVersions() * versionBytes(config);
            long needed = perModel * config.ingest().maxModels() + versions;
            if (needed > 0.8 * maxHeapBytes) {
                long fits = Math.max(0, (long) ((0.8 * maxHeapBytes - versions) / perModel));
                problems.add(message("engram.ingest.max-models", config.ingest().maxModels(),
                        "at most " + fits + " with this heap: each model may take up to " + perModel / 1_000_000 + " MB (rehearsal buffer, "
                                + "evaluation sets at engram.evaluation.max-examples, K-FAC factors, networks), "
                                + config.ingest().maxModels() + " of them and " + config.publish().cachedVersions()
                                + " cached versions need " + needed / 1_000_000 + " MB, more than 80% of the " + maxHeapBytes / 1_000_000
                                + " MB heap; lower engram.ingest.max-models or the per-model bounds, or give the JVM more memory "
                                + "(ENGRAM_HEAP_OPTS, the container's limit)"));
            }
        }
        return problems;
    }

    /**
     * Heap one model may take at its bounds, an estimate from the settings: rehearsal buffer and
     * recent window (rows of input + 1 floats), evaluation sets at their total bound, K-FAC factors
     * and their eigenvectors (6 × Σ((d_in+1)² + d_out²) floats: a conservative count), and 40 copies of
     * the parameters (networks, MER's snapshots, the anchor, evaluation networks). For the default
     * 784-100-100-10 MER + K-FAC model it gives 81 MB; {@code ./engram bench memory} measured 72.8 MB.
     */
    public static long modelBytes(EngramConfig config) {
        io.engram.network.MlpSpec spec = spec(config);
        long row = (spec.inputSize() + 1L) * 4;
        long buffer = config.learner().replayCapacity() * row;
        long window = config.consolidation().samples() * row;
        long eval = Math.min(config.evaluation().maxExamples(), (long) config.learner().maxTasks() * config.evaluation().maxPerTask()) * row;
        long factors = 0;
        int[] sizes = spec.sizes();
        for (int l = 0; l + 1 < sizes.length; l++) {
            factors += (sizes[l] + 1L) * (sizes[l] + 1L) + (long) sizes[l + 1] * sizes[l + 1];
        }
        return buffer + window + eval + 6 * factors * 4 + 40L * spec.parameterCount() * 4;
    }

    /** Heap of one cached version: its artifacts and network (about 4 bytes a parameter each, several times) and manifest. */
    private static long versionBytes(EngramConfig config) {
        return 16L * spec(config).parameterCount() + 64 * 1024;
    }

    private static io.engram.network.MlpSpec spec(EngramConfig config) {
        EngramConfig.Model model = config.model();
        return new io.engram.network.MlpSpec(model.inputSize(), model.hidden(), model.classes(), model.activation());
    }

    private static void api(List<String> problems, EngramConfig.Api api) {
        range(problems, "engram.api.max-body-bytes", api.maxBodyBytes(), 64, 64 * 1024 * 1024, "64 to 67108864 bytes");
        if (api.auth().enabled()) {
            String file = api.auth().usersFile().orElse("");
            if (file.isBlank()) {
                problems.add(message("engram.api.auth.users-file", "(unset)",
                        "a readable users file when engram.api.auth.enabled=true (lines user=HEX(SHA-512(user:engram:password)))"));
            } else if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(file))) {
                problems.add(message("engram.api.auth.users-file", file, "a readable file (not found or not readable)"));
            } else {
                usersFile(problems, file);
            }
        }
    }

    /** Users of basic authentication: at least one line {@code user=HEX(SHA-512(user:engram:password))}. */
    private static void usersFile(List<String> problems, String file) {
        java.util.Properties users = new java.util.Properties();
        try (java.io.Reader in = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(file), java.nio.charset.StandardCharsets.UTF_8)) {
            users.load(in);
        } catch (java.io.IOException | IllegalArgumentException e) {
            problems.add(message("engram.api.auth.users-file", file, "a readable properties file (" + e.getMessage() + ")"));
            return;
        }
        String allowed = "a file of lines user=HEX(SHA-512(user:engram:password)), user names of [A-Za-z0-9._@-],"
                + " e.g. made with: printf '%s' 'alice:engram:PASSWORD' | sha512sum";
        if (users.isEmpty()) {
            problems.add(message("engram.api.auth.users-file", file, allowed + "; it has no users"));
        }
        for (String user : users.stringPropertyNames()) {
            if (!user.matches("[A-Za-z0-9._@-]{1,128}") || !users.getProperty(user).trim().matches("[0-9a-fA-F]{128}")) {
                problems.add(message("engram.api.auth.users-file", file, allowed + "; user '" + user + "' is not"));
            }
        }
    }

    /** Throws {@link InvalidSettingsException} listing every problem, if there is any. */
    public static void check(EngramConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
    }

    private static void unitInterval(List<String> problems, String key, double value) {
        if (!(value > 0 && value <= 1)) {
            problems.add(message(key, value, "a number in (0, 1]"));
        }
    }

    private static void atLeast(List<String> problems, String key, long value, long min) {
        if (value < min) {
            problems.add(message(key, value, "an integer >= " + min));
        }
    }

    private static void range(List<String> problems, String key, long value, long min, long max, String allowed) {
        if (value < min || value > max) {
            problems.add(message(key, value, allowed));
        }
    }

    static String message(String key, Object value, String allowed) {
        return "Invalid setting " + key + "=" + value + ": allowed is " + allowed + ".";
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 6 ? String.join(",", names)
                : String.join(",", names.subList(0, 6)) + ",... (" + names.size() + " names)";
    }
}
