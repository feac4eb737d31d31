package io.engram.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Every setting of Engram, typed. Each key can also be given as an environment variable in
 * Quarkus style ({@code engram.learner.method} → {@code ENGRAM_LEARNER_METHOD}). Values are
 * checked at start-up by {@link SettingsValidator}; a bad one stops the service with a message
 * naming the key, the value and what is allowed.
 */
@ConfigMapping(prefix = "engram")
public interface EngramConfig {

    /** Kafka connection, embedded broker and topic layout. */
    Kafka kafka();

    /** Folder for checkpoints, the embedded broker's logs and native caches. */
    @WithName("data-dir")
    @WithDefault("./data")
    String dataDir();

    /** Prefix of every topic name; {@code engram.} gives {@code engram.examples} and so on. */
    @WithName("topic-prefix")
    @WithDefault("engram.")
    String topicPrefix();

    /** The network every model is built with. */
    Model model();

    /** The online learner. */
    Learner learner();

    /** Consolidation at task boundaries. */
    Consolidation consolidation();

    /** How records are taken off {@code engram.examples}. */
    Ingest ingest();

    /** Evaluation sets and metrics events. */
    Evaluation evaluation();

    /** Model versions. */
    Publish publish();

    /** The HTTP API: request limits and authentication. */
    Api api();

    interface Api {
        /** Largest request body accepted by {@code predict}, checked before it is parsed; larger ones get 413. */
        @WithName("max-body-bytes")
        @WithDefault("65536")
        int maxBodyBytes();

        /** HTTP basic authentication on {@code /api/*}. */
        Auth auth();

        interface Auth {
            /** Whether {@code /api/*} needs a user of {@code users-file}; off for the embedded demo. */
            @WithDefault("false")
            boolean enabled();

            /** Properties file of {@code user=HEX(SHA-512(user:engram:password))} lines. */
            @WithName("users-file")
            Optional<String> usersFile();
        }
    }

    /**
     * Snapshots of each partition's models on the {@code engram.state} topic, from which any
     * instance of the group restores them.
     */
    Checkpoint checkpoint();

    interface Checkpoint {
        /** Whether snapshots are written and restored (off: a moved or restarted model starts fresh). */
        @WithDefault("true")
        boolean enabled();

        /** A snapshot of a partition after this many of its records handled (besides one after every version). */
        @WithName("every-examples")
        @WithDefault("10000")
        int everyExamples();

        /** A checkpoint after this many seconds with new records. */
        @WithName("every-seconds")
        @WithDefault("60")
        int everySeconds();

        /**
         * Shortest time between two checkpoints taken because a version went out or records
         * accumulated (a burst of versions does not write one checkpoint each); the shutdown
         * checkpoint and the one after a rollback's replay are always written.
         */
        @WithName("min-interval")
        @WithDefault("30s")
        Duration minInterval();

        /** Size of one snapshot chunk record on {@code engram.state}, in bytes. */
        @WithName("chunk-bytes")
        @WithDefault("524288")
        int chunkBytes();
    }

    interface Publish {
        /**
         * How often the catalog (HTTP listings, the dashboard) catches up with versions other
         * instances of the group published; 0 = only when partitions are assigned.
         */
        @WithName("catalog-refresh")
        @WithDefault("10s")
        Duration catalogRefresh();

        /** A version every this many train examples (trigger {@code periodic}), besides task ends and publish records; 0 = off. */
        @WithName("every-examples")
        @WithDefault("0")
        int everyExamples();

        /** Artifact bytes per record on {@code engram.model-chunks}; at most 524288 (512 KiB, docs/contract.md). */
        @WithName("chunk-bytes")
        @WithDefault("524288")
        int chunkBytes();

        /**
         * Version triggers (task ends, publish records, periodic) of one model that arrive within
         * this interval of its last version fold into one version; 0 folds only the triggers of one
         * batch. Metrics events still go out at every task end.
         */
        @WithName("min-interval")
        @WithDefault("0s")
        Duration minInterval();

        /**
         * Largest record the service writes (manifest, metrics event, dead letter, chunk); checked
         * before each send so a batch never fails on the broker's message limit (1 MiB by default).
         */
        @WithName("max-output-bytes")
        @WithDefault("1000000")
        int maxOutputBytes();

        /** The guard of the {@code stable} alias. */
        Stable stable();

        /**
         * Versions held in memory (their manifest, and once asked for, artifact and a network for
         * predictions), over all models, most recently used kept; others are read from Kafka when
         * asked for. Each costs its manifest plus about 16 bytes per network parameter once its
         * artifact is used (1.5 MB for 784-100-100-10).
         */
        @WithName("cached-versions")
        @WithDefault("32")
        int cachedVersions();

        /** Version numbers listed per model (the newest); older versions are still served by number, read from Kafka. */
        @WithName("listed-versions")
        @WithDefault("1000")
        int listedVersions();

        interface Stable {
            /**
             * Lowest ACC a version needs to become stable; ACC comes from the tasks' evaluation
             * sets, so a model without evaluated tasks is never stable.
             */
            @WithName("min-acc")
            @WithDefault("0.5")
            double minAcc();

            /** Highest forgetting a version may show to become stable. */
            @WithName("max-forgetting")
            @WithDefault("0.2")
            double maxForgetting();
        }
    }

    interface Evaluation {
        /** Eval examples kept per task; beyond it, a uniform reservoir sample. */
        @WithName("max-per-task")
        @WithDefault("1000")
        int maxPerTask();

        /** Window of prequential (test-then-train) accuracy over train examples; 0 turns it off. */
        @WithName("prequential-window")
        @WithDefault("1000")
        int prequentialWindow();

        /**
         * Eval examples kept per model over all its tasks: when the tasks' sets together would
         * exceed it, every set is cut to an equal share by uniform sampling.
         */
        @WithName("max-examples")
        @WithDefault("10000")
        int maxExamples();

        /**
         * Tasks shown in full in each metrics event and manifest (the matrix of the most recent
         * ones) and as {@code engram_task_accuracy} series; the figures always cover every task.
         */
        @WithName("matrix-window")
        @WithDefault("20")
        int matrixWindow();

        /** A metrics event every this many train examples, besides one at every task end; 0 turns them off. */
        @WithName("every-examples")
        @WithDefault("5000")
        int everyExamples();

        /** Task boundaries found in streams that carry none: a change detector on the prequential error. */
        Drift drift();

        interface Drift {
            /**
             * {@code none}, or {@code adwin} (ADWIN2, Bifet and Gavaldà 2007): a rise of the
             * prequential error it detects ends the current segment of the task as a task end would
             * (consolidate, evaluate, publish with trigger {@code drift:<task>#<n>}) and begins
             * segment {@code <task>#<n>}.
             */
            @WithDefault("none")
            io.engram.config.DriftDetection detector();

            /**
             * ADWIN's confidence δ: a stationary stream shrinks its window on at most δ of its steps
             * (Theorem 3.1; alarms, on a rise only, are far rarer). 0.1 was chosen on validation
             * streams (BENCHMARKS.md, "Task-free streams").
             */
            @WithDefault("0.1")
            double delta();

            /** Train examples of a segment (or task) before the detector sees any: a segment's shortest length. */
            @WithName("min-examples")
            @WithDefault("300")
            int minExamples();
        }
    }

    interface Kafka {
        /** External Kafka; unset starts an embedded single-node KRaft broker on 127.0.0.1. */
        @WithName("bootstrap-servers")
        Optional<String> bootstrapServers();

        /** The embedded broker. */
        Embedded embedded();

        /** Consumer group of the ingest loop. */
        @WithName("group-id")
        @WithDefault("engram")
        String groupId();

        /** Topics created at start-up when missing. */
        Topics topics();

        /**
         * {@code transactional.id} of the producer of every output; unset = the group id plus
         * {@code -outputs-} and a random suffix per process, so instances of a group never share
         * one (zombies are fenced by the group generation). Set a stable id per replica (a
         * StatefulSet pod name) to have a restarted replica abort its predecessor's open
         * transaction at once; two live instances with the same id fence each other.
         */
        @WithName("transactional-id")
        Optional<String> transactionalId();

        /**
         * Timeout of each administrative call (topic creation, health probe); also bounds how
         * long a wrong credential or an unreachable broker takes to show up as an error.
         */
        @WithName("request-timeout")
        @WithDefault("10s")
        Duration requestTimeout();

        /**
         * {@code transaction.timeout.ms} of the output producer: the broker aborts a transaction
         * open longer. {@code engram.ingest.batch-duration} must stay well inside it.
         */
        @WithName("transaction-timeout")
        @WithDefault("60s")
        Duration transactionTimeout();

        interface Embedded {
            /** Client port of the embedded broker; 0 picks a free port. */
            @WithDefault("9092")
            int port();
        }

        interface Topics {
            /** Partitions of each created topic. */
            @WithDefault("1")
            int partitions();

            /** Replication factor of each created topic. */
            @WithName("replication-factor")
            @WithDefault("1")
            short replicationFactor();
        }
    }

    interface Model {
        /** Length of the dense input vector {@code x}. */
        @WithName("input-size")
        @WithDefault("784")
        int inputSize();

        /** Number of classes C; labels are 0..C-1. */
        @WithDefault("10")
        int classes();

        /**
         * Class names, in index order, so producers may send {@code "label": "Sneaker"}.
         * Defaults to the Fashion-MNIST classes; exactly {@code classes} entries.
         */
        @WithDefault("T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot")
        List<String> labels();

        /**
         * Feature names, in input order, so producers may send {@code "features": {...}};
         * exactly {@code input-size} entries. Unset: only dense {@code x} is accepted.
         */
        Optional<List<String>> features();

        /** Sizes of the hidden layers. */
        @WithDefault("100,100")
        List<Integer> hidden();

        /** Activation of the hidden layers: {@code relu}, {@code tanh} or {@code sigmoid}. */
        @WithDefault("relu")
        io.engram.network.Activation activation();

        /** Seed of initialisation and of every sampling decision. */
        @WithDefault("42")
        long seed();
    }

    interface Learner {
        /** {@code online}, {@code er} or {@code mer}. */
        @WithDefault("mer")
        LearnerMethod method();

        /** SGD step size; unset takes the method's default from docs/algorithms.md. */
        @WithName("learning-rate")
        OptionalDouble learningRate();

        /** Rehearsal buffer size in examples. */
        @WithName("replay-capacity")
        @WithDefault("5120")
        int replayCapacity();

        /** Incoming examples per SGD step for {@code online} and {@code er}; MER learns each example as it comes. */
        @WithName("batch-size")
        @WithDefault("1")
        int batchSize();

        /**
         * Examples drawn from the buffer per step (k−1 of MER); unset takes docs/algorithms.md's default
         * for the method and capacity: MER 100 / 25 / 10 for capacities from 5120 / 500 / below,
         * ER 25 from 5120, else 10.
         */
        @WithName("replay-batch")
        java.util.OptionalInt replayBatch();

        /** Which example a full buffer gives up: {@code reservoir}, {@code class-balanced}, {@code task-balanced}. */
        @WithName("replay-policy")
        @WithDefault("reservoir")
        io.engram.replay.ReplayPolicy replayPolicy();

        /** Network implementation: {@code auto} (ND4J on a GPU backend, else the JVM kernel), {@code jvm}, {@code nd4j}. */
        @WithDefault("auto")
        io.engram.network.Kernel kernel();

        /**
         * Tasks one model may have; a record naming a further task is dead-lettered as
         * {@code too_many_tasks}.
         */
        @WithName("max-tasks")
        @WithDefault("256")
        int maxTasks();

        /**
         * Per-example gradient clipping in every method: an example whose gradient's L2 norm (over
         * every parameter) exceeds this enters its step scaled down to it; 0 turns it off.
         */
        @WithName("clip-norm")
        @WithDefault("50")
        double clipNorm();

        /**
         * Spike guard: a train example whose gradient norm per unit of output error, or whose
         * layer-input norm, is more than this many times the 90th percentile of the last 256
         * accepted examples is refused before anything learns from it (dead letter {@code outlier});
         * 0 turns it off.
         */
        @WithName("spike-guard")
        @WithDefault("10")
        double spikeGuard();

        /** Accepted examples of the current task before the spike guard judges any (a task switch restarts the count). */
        @WithName("spike-guard-warmup")
        @WithDefault("100")
        int spikeGuardWarmup();

        /** MER's Reptile rates and batches. */
        Mer mer();

        interface Mer {
            /** Within-batch Reptile rate β. */
            @WithDefault("0.03")
            double beta();

            /** Across-batch Reptile rate γ. */
            @WithDefault("1.0")
            double gamma();

            /** Batches s per incoming example. */
            @WithDefault("10")
            int batches();
        }

        /** The ND4J kernel's settings (with {@code kernel} {@code nd4j}, or {@code auto} on a GPU backend). */
        Nd4j nd4j();

        interface Nd4j {
            /**
             * Steps between two host reads of the ND4J network's accumulated loss and its divergence
             * check (a device reduction of the parameters' sum of squares); no step between two reads
             * synchronises with the device. A divergence is seen at most this many steps late.
             */
            @WithName("sync-every")
            @WithDefault("100")
            int syncEvery();
        }
    }

    interface Consolidation {
        /** {@code none}, {@code ewc}, {@code online-ewc}, {@code kfac} or {@code ncl}. */
        @WithDefault("kfac")
        ConsolidationMethod method();

        /** Penalty strength λ; unset takes the method's tuned default (BENCHMARKS.md). */
        OptionalDouble lambda();

        /**
         * Tikhonov damping δ of the K-FAC factors, split between A and G by the π rule; for NCL the
         * preconditioner's δ in (λ Λ + δ I)⁻¹. Unset takes the method's default (0.001; NCL 0.1).
         */
        OptionalDouble damping();

        /** Online EWC's decay γ of the accumulated Fisher. */
        @WithDefault("0.9")
        double decay();

        /** Labels of the Fisher: {@code sampled} (true Fisher), {@code expected} (all classes by probability), {@code empirical}. */
        @WithName("label-mode")
        @WithDefault("sampled")
        io.engram.config.LabelMode labelMode();

        /** Examples of the ended task the Fisher is estimated on (its recent window, then its buffer share). */
        @WithDefault("1000")
        int samples();

        /**
         * Also consolidate every this many train examples without a task end, on the examples since
         * the last consolidation (for streams that carry no task boundaries); at most
         * {@code samples}; 0 = only at task ends.
         */
        @WithName("every-examples")
        @WithDefault("0")
        int everyExamples();
    }

    interface Ingest {
        /**
         * Largest record value accepted, in bytes; larger ones are dead-lettered as
         * {@code too_large}. The default sits well below the broker's 1 MiB message limit so
         * that the dead letter, which carries the original value, still fits on {@code engram.dlq}.
         */
        @WithName("max-record-bytes")
        @WithDefault("524288")
        int maxRecordBytes();

        /**
         * Threads that learn in parallel, one partition at a time each (records of one partition,
         * and so of one model, stay in order on one thread); 0 = one per available processor.
         */
        @WithDefault("0")
        int workers();

        /** Whether a train example of a new task ends the current task. */
        @WithName("task-switch-ends-task")
        @WithDefault("true")
        boolean taskSwitchEndsTask();

        /**
         * Longest time one batch of records is handled before it is committed (the time of
         * consolidations, evaluations and versions counts); the rest of the poll is handled in
         * the next batch. At most a third of {@code engram.kafka.transaction-timeout}.
         */
        @WithName("batch-duration")
        @WithDefault("5s")
        Duration batchDuration();

        /**
         * Most records of one partition in one batch. A batch's close costs its commit and a refetch
         * of what was read past the bound (about 0.1 s): at 20000, a backlog of fast online learning
         * spent a sixth of its time there, at 100000 a thirtieth; {@code batch-duration} bounds slower
         * streams first.
         */
        @WithName("batch-records")
        @WithDefault("100000")
        int batchRecords();

        /**
         * Models one instance holds; a record of a further model id is dead-lettered as
         * {@code too_many_models}. Each model costs its learner's memory (README, Limits and safety).
         */
        @WithName("max-models")
        @WithDefault("8")
        int maxModels();

        /** Smallest input value accepted; below it, {@code out_of_range}. Unset: any finite value. */
        @WithName("input-min")
        java.util.OptionalDouble inputMin();

        /** Largest input value accepted; above it, {@code out_of_range}. Unset: any finite value. */
        @WithName("input-max")
        java.util.OptionalDouble inputMax();

        /** Longest wait of one poll of the consumer. */
        @WithName("poll-timeout")
        @WithDefault("200ms")
        Duration pollTimeout();

        /** First wait after an infrastructure failure; doubles up to {@code max-backoff}. */
        @WithDefault("500ms")
        Duration backoff();

        /** Longest wait between retries after infrastructure failures. */
        @WithName("max-backoff")
        @WithDefault("30s")
        Duration maxBackoff();

        /**
         * Whether a record without the Avro content-type header whose value starts with byte 0 is read
         * as Avro in the schema-registry wire format (byte 0, a 4-byte big-endian schema id, then Avro
         * binary of schemas/example.avsc). No registry is asked: the writer schema is taken to be Engram's own.
         */
        @WithName("avro-registry-wire-format")
        @WithDefault("false")
        boolean avroRegistryWireFormat();

        /** The one schema id accepted in the wire format; others are {@code invalid_json}. Unset: any id. */
        @WithName("avro-registry-schema-id")
        java.util.OptionalInt avroRegistrySchemaId();
    }
}
