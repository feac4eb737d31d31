package io.engram.ingest;

import io.engram.learn.Example;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * The ingest figures of docs/contract.md: {@code engram_examples_total{model,split}},
 * {@code engram_examples_rejected_total{reason}}, {@code engram_control_records_total{model,type}}
 * and {@code engram_consumer_lag_records{topic,partition,against}} where {@code against} is
 * {@code position} (records not yet fetched by the consumer) or {@code committed} (records not yet
 * handled and committed). Every record lands in exactly one counter.
 */
public final class IngestMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> lags = new ConcurrentHashMap<>();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (RejectReason reason : RejectReason.values()) {
            rejectedCounter(reason); // every reason visible from the start, so rates work on fresh series
        }
        Gauge.builder("engram.partitions.owned", owned, AtomicLong::get)
                .description("Partitions of the examples topic this instance owns").register(registry);
    }

    void example(String model, Example.Split split) {
        String splitName = split == Example.Split.TRAIN ? "train" : "eval";
        counters.computeIfAbsent("e|" + model + "|" + splitName, k -> Counter.builder("engram.examples")
                .description("Examples handed to the learner, by model and split")
                .tags("model", model, "split", splitName).register(registry)).increment();
    }

    private final Map<String, java.util.concurrent.atomic.AtomicLong> lastTrained = new ConcurrentHashMap<>();

    /** A train example of {@code model} with Kafka timestamp {@code timestamp} (ms) was learned. */
    void trained(String model, long timestamp) {
        lastTrained.computeIfAbsent(model, m -> {
            AtomicLong value = new AtomicLong(timestamp);
            Gauge.builder("engram.last.trained.record.age.seconds", value, v -> (System.currentTimeMillis() - v.get()) / 1000.0)
                    .description("Age of the newest train record learned (now minus its Kafka timestamp)")
                    .tag("model", m).register(registry);
            return value;
        }).set(timestamp);
    }

    private final AtomicLong owned = new AtomicLong();
    private io.micrometer.core.instrument.Timer restores;

    /** Partitions were taken (assignment or rollback) and their models restored in {@code nanos}. */
    void restored(int partitions, long nanos) {
        if (restores == null) {
            restores = io.micrometer.core.instrument.Timer.builder("engram.restore")
                    .description("Time to restore the models of newly owned partitions from their snapshots").register(registry);
        }
        restores.record(java.time.Duration.ofNanos(nanos));
    }

    /** Records replayed (outputs suppressed) to rebuild models after a restore. */
    void replayed(long records) {
        counters.computeIfAbsent("replayed", k -> Counter.builder("engram.replayed.records")
                .description("Records replayed to rebuild restored models (outputs suppressed)").register(registry)).increment(records);
    }

    private io.micrometer.core.instrument.DistributionSummary batchPartitions;
    private io.micrometer.core.instrument.DistributionSummary batchRecords;
    private io.micrometer.core.instrument.Timer batchCommits;

    /** A batch that handled {@code records} records committed in {@code nanos}. */
    void committed(int records, long nanos) {
        if (batchCommits == null) {
            batchRecords = io.micrometer.core.instrument.DistributionSummary.builder("engram.batch.records")
                    .description("Records a batch handled").register(registry);
            batchCommits = io.micrometer.core.instrument.Timer.builder("engram.batch.commit")
                    .description("Time a batch's commit took (its workers wait)").register(registry);
        }
        batchRecords.record(records);
        batchCommits.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** A batch handed records (or due versions) of {@code partitions} partitions to the workers. */
    void batch(int partitions) {
        if (batchPartitions == null) {
            batchPartitions = io.micrometer.core.instrument.DistributionSummary.builder("engram.batch.partitions")
                    .description("Partitions learned in parallel per batch").register(registry);
        }
        batchPartitions.record(partitions);
    }

    /** The number of examples-topic partitions this instance owns. */
    void owned(int partitions) {
        owned.set(partitions);
    }

    void rejected(RejectReason reason) {
        rejectedCounter(reason).increment();
    }

    private Counter rejectedCounter(RejectReason reason) {
        return counters.computeIfAbsent("r|" + reason.code(), k -> Counter.builder("engram.examples.rejected")
                .description("Records dead-lettered, by reason")
                .tags("reason", reason.code()).register(registry));
    }

    /** engram_model_parked{model} = 1: the model was set aside after an unexpected error (an alert). */
    void parked(String model) {
        lastTrained.computeIfAbsent("parked|" + model, k -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("engram.model.parked", value, AtomicLong::get)
                    .description("1 while the model is parked after an unexpected error in its learner")
                    .tag("model", model).register(registry);
            return value;
        }).set(1);
    }

    void control(String model, Control.Type type) {
        counters.computeIfAbsent("c|" + model + "|" + type.code(), k -> Counter.builder("engram.control.records")
                .description("Control records handled, by model and type")
                .tags("model", model, "type", type.code()).register(registry)).increment();
    }

    void lag(TopicPartition tp, long againstPosition, long againstCommitted) {
        gauge(tp, "position").set(againstPosition);
        gauge(tp, "committed").set(againstCommitted);
    }

    private AtomicLong gauge(TopicPartition tp, String against) {
        return lags.computeIfAbsent(tp + "|" + against, k -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("engram.consumer.lag.records", value, AtomicLong::get)
                    .description("Records behind the end of the partition, against the consumer position or the committed offset")
                    .tags(Tags.of("topic", tp.topic(), "partition", Integer.toString(tp.partition()), "against", against))
                    .register(registry);
            return value;
        });
    }
}
