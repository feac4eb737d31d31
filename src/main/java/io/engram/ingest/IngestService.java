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
    ModelState modelState;

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
        loop = new IngestLoop(kafka::ensureTopics, () -> kafka.clients().consumer(config.kafka().groupId(), "engram-ingest",
                Math.min(ingest.batchRecords(), IngestLoop.QUEUE_RECORDS)),
                kafka::outbox, kafka.topics().examples(), kafka.topics().deadLetters(), decoder, learners,
                new IngestMetrics(registry),
                new IngestLoop.Settings(ingest.pollTimeout(), ingest.backoff(), ingest.maxBackoff(), ingest.taskSwitchEndsTask(),
                        ingest.batchDuration(), ingest.batchRecords(), config.kafka().transactionTimeout(), ingest.workers()));
        loop.setModelState(modelState);
        thread = new Thread(loop, "engram-ingest");
        thread.start();
    }

    /** The loop's state; {@link IngestLoop.State#STARTING} before {@link #start()}. */
    public IngestLoop.State state() {
        return loop == null ? IngestLoop.State.STARTING : loop.state();
    }

    /** The partitions this instance owns, with their models; empty before start. */
    public java.util.Map<org.apache.kafka.common.TopicPartition, OwnedPartition> owned() {
        return loop == null ? java.util.Map.of() : loop.owned();
    }

    /** Restores of newly owned partitions so far, and how long the last took (null before the first). */
    public record Restores(long count, Long lastMillis) {
    }

    public Restores restores() {
        return loop == null || loop.restores() == 0 ? new Restores(0, null) : new Restores(loop.restores(), loop.lastRestoreMillis());
    }

    /** True while the models of newly assigned partitions are restored. */
    public boolean restoring() {
        return loop != null && loop.restoring();
    }

    /** Models parked after an unexpected error in their learner. */
    public java.util.Map<String, IngestLoop.Parked> parked() {
        return loop == null ? java.util.Map.of() : loop.parked();
    }

    public String lastError() {
        return loop == null ? null : loop.lastError();
    }

    /**
     * Stops the loop after its current batch and waits for it; leaving the group hands every
     * partition over with a last snapshot of its models.
     */
    public synchronized void stop() throws InterruptedException {
        if (loop != null) {
            loop.stop();
            thread.join(Duration.ofSeconds(60).toMillis());
            loop = null;
        }
    }
}
