package io.engram.ingest;

import io.engram.broker.KafkaAccess;
import io.engram.config.EngramConfig;
import io.engram.learn.LearnerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/** Runs the {@link IngestLoop} on its own thread for the life of the service. */
@ApplicationScoped
public class IngestService {

    @Inject
    EngramConfig config;

    @Inject
    KafkaAccess kafka;

    @Inject
    LearnerRegistry learners;

    @Inject
    MeterRegistry registry;

    @Inject
    io.engram.publish.ModelPublisher versions;

    @Inject
    io.engram.checkpoint.Checkpointer checkpointer;

    private IngestLoop loop;
    private Thread thread;

    public synchronized void start() {
        EngramConfig.Model model = config.model();
        EngramConfig.Ingest ingest = config.ingest();
        RecordDecoder decoder = new RecordDecoder(
                new RecordDecoder.ModelShape(model.inputSize(), model.labels(), model.features(),
                        new RecordDecoder.InputRange(ingest.inputMin().orElse(Double.NEGATIVE_INFINITY),
                                ingest.inputMax().orElse(Double.POSITIVE_INFINITY))),
                ingest.maxRecordBytes(),
                new AvroRecords.RegistryWireFormat(ingest.avroRegistryWireFormat(), ingest.avroRegistrySchemaId()));
        loop = new IngestLoop(() -> {
            kafka.ensureTopics();
            versions.load(); // version numbers continue from what Kafka holds
            java.util.Optional<java.util.Map<org.apache.kafka.common.TopicPartition, Long>> restored = checkpointer.restore(loop);
            // without a checkpoint, state is rebuilt by replaying the topic up to the committed offsets
            loop.startFrom(restored.orElse(java.util.Map.of()), restored.isEmpty() && checkpointer.enabled());
        }, () -> kafka.clients().consumer(config.kafka().groupId(), "engram-ingest", ingest.batchRecords()),
                kafka::outbox, kafka.topics().examples(), kafka.topics().deadLetters(), decoder, learners,
                new IngestMetrics(registry),
                new IngestLoop.Settings(ingest.pollTimeout(), ingest.backoff(), ingest.maxBackoff(), ingest.taskSwitchEndsTask(),
                        ingest.batchDuration(), ingest.batchRecords(), config.kafka().transactionTimeout()));
        IngestLoop started = loop;
        loop.setAfterBatch(() -> checkpointer.afterBatch(started));
        loop.setRollback(() -> checkpointer.rollback(started));
        thread = new Thread(loop, "engram-ingest");
        thread.start();
    }

    /** The loop's state; {@link IngestLoop.State#STARTING} before {@link #start()}. */
    public IngestLoop.State state() {
        return loop == null ? IngestLoop.State.STARTING : loop.state();
    }

    /** Next offsets to read after the records handed to learners so far. */
    public StreamPositions positions() {
        return loop == null ? new StreamPositions() : loop.positions();
    }

    /** Models parked after an unexpected error in their learner. */
    public java.util.Map<String, IngestLoop.Parked> parked() {
        return loop == null ? java.util.Map.of() : loop.parked();
    }

    public String lastError() {
        return loop == null ? null : loop.lastError();
    }

    /** Stops the loop after its current batch and waits for it. */
    public synchronized void stop() throws InterruptedException {
        if (loop != null) {
            loop.stop();
            thread.join(Duration.ofSeconds(30).toMillis());
            if (loop.state() == IngestLoop.State.STOPPED && loop.handled() > 0 && loop.clean()) {
                checkpointer.checkpoint(loop, "shutdown"); // the current batch finished and committed
            }
            loop = null;
        }
    }
}
