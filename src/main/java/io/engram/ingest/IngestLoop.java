package io.engram.ingest;

import io.engram.broker.BrokerAccessException;
import io.engram.learn.Learner;
import io.engram.learn.LearnerRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import io.engram.broker.Outbox;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import io.engram.learn.DivergedException;
import io.engram.learn.ModelLimitException;
import io.engram.learn.OutlierException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume loop: poll, handle each record in order, wait for its dead letters, commit.
 *
 * <p>Failures are typed (docs/code-style.md): a bad record is dead-lettered and the loop goes on; an
 * infrastructure failure (broker unreachable, credentials refused, a dead letter not acknowledged)
 * makes the loop rewind to the last committed offsets, wait with exponential back-off and try
 * again, with {@link State#WAITING_FOR_BROKER}; anything else stops the loop with
 * {@link State#FAILED} and leaves the offsets of unhandled records uncommitted.
 *
 * <p>Offsets are committed only after every record before them was handed to its learner or its
 * dead letter was acknowledged by the broker.
 *
 * <p>Batches are bounded by time ({@link Settings#batchDuration()}) and count: whatever the method,
 * the model or the machine, a batch commits far inside the transaction timeout; records of the
 * poll that did not fit are consumed again in the next batch. If the broker still aborts our
 * transaction (a stalled machine) and fences the producer, or the producer enters an error state,
 * the loop makes a new producer, rolls the learners back to the checkpoint and replays; only a
 * fencing of a young transaction, which means another instance took the transactional id, stops it.
 *
 * <p>An unexpected error (or an {@link OutOfMemoryError}) in one model's learner parks that model:
 * its learner is let go, its records are dead-lettered as {@code model_parked} until the instance
 * restarts, and the other models go on.
 */
public final class IngestLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestLoop.class);

    /** Where the loop stands; {@link #RUNNING} once it has joined the group and polled. */
    public enum State { STARTING, RUNNING, WAITING_FOR_BROKER, STOPPED, FAILED }

    private final Runnable prepare;
    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final Supplier<Outbox> outboxes;
    private final String deadLetterTopic;
    private DeadLetters deadLetters;
    private Outbox outbox;
    private final StreamPositions positions = new StreamPositions();
    private final String topic;
    private final RecordDecoder decoder;
    private final LearnerRegistry learners;
    private final IngestMetrics metrics;
    private final Settings settings;
    private final Map<String, String> currentTask = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    private final Map<TopicPartition, Long> replayUntil = new HashMap<>();
    private long handled;
    private Map<TopicPartition, Long> startOffsets = Map.of();
    private boolean replayFromBeginning;
    private boolean pendingRollback;
    private Runnable afterBatch = () -> { };
    private java.util.function.Supplier<Map<TopicPartition, Long>> rollback;
    /** Records that made a learner diverge: dead-lettered, not learned, when met again. */
    private final Map<TopicPartition, Set<Long>> poisoned = new HashMap<>();
    private volatile boolean running = true;
    private volatile State state = State.STARTING;
    private volatile String lastError;
    private volatile Consumer<byte[], byte[]> consumer;

    /**
     * @param taskSwitchEndsTask whether a train example of another task ends the current one
     */
    public record Settings(Duration pollTimeout, Duration backoff, Duration maxBackoff, boolean taskSwitchEndsTask,
            Duration batchDuration, int batchRecords, Duration transactionTimeout) {

        /** Defaults for the bounds of a batch (5 s, 2000 records, 60 s transactions). */
        public Settings(Duration pollTimeout, Duration backoff, Duration maxBackoff, boolean taskSwitchEndsTask) {
            this(pollTimeout, backoff, maxBackoff, taskSwitchEndsTask, Duration.ofSeconds(5), 2000, Duration.ofSeconds(60));
        }
    }

    /** A model set aside after an unexpected error in its learner. */
    public record Parked(String model, String reason, java.time.Instant since) {
    }

    private final Map<String, Parked> parked = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean checkpointDue;
    private long recoveries;

    /**
     * @param prepare run until it succeeds before consuming (creates the topics); may throw
     *     {@link BrokerAccessException}, which is retried with back-off
     */
    public IngestLoop(Runnable prepare, Supplier<Consumer<byte[], byte[]>> consumers, Supplier<Outbox> outboxes,
            String topic, String deadLetterTopic, RecordDecoder decoder, LearnerRegistry learners,
            IngestMetrics metrics, Settings settings) {
        this.prepare = prepare;
        this.consumers = consumers;
        this.outboxes = outboxes;
        this.deadLetterTopic = deadLetterTopic;
        this.topic = topic;
        this.decoder = decoder;
        this.learners = learners;
        this.metrics = metrics;
        this.settings = settings;
    }

    public State state() {
        return state;
    }

    /**
     * Where to start once partitions are assigned: the offsets of the checkpoint the learners were
     * restored from; with none, from the beginning when {@code replayFromBeginning}. Records below
     * the group's committed offsets are then replayed to rebuild state, their outputs suppressed.
     * Called before {@link #run()} consumes (from the prepare step).
     */
    public void startFrom(Map<TopicPartition, Long> offsets, boolean replayFromBeginning) {
        this.startOffsets = Map.copyOf(offsets);
        this.replayFromBeginning = replayFromBeginning;
        offsets.forEach(positions::moveTo); // the restored state reflects these, whether or not their partitions see traffic
    }

    /**
     * How to roll the learners back to their last checkpoint after a divergence; returns the
     * offsets to resume from (empty map: from the beginning).
     */
    public void setRollback(java.util.function.Supplier<Map<TopicPartition, Long>> rollback) {
        this.rollback = rollback;
    }

    /** Runs on the loop's thread after every committed batch (checkpointing). */
    public void setAfterBatch(Runnable afterBatch) {
        this.afterBatch = afterBatch;
    }

    /** The current train task of each model, for checkpoints. */
    public Map<String, String> currentTasks() {
        return Map.copyOf(currentTask);
    }

    public void restoreCurrentTasks(Map<String, String> tasks) {
        currentTask.clear();
        currentTask.putAll(tasks);
    }

    /** Records handled since start (replayed ones included). */
    public long handled() {
        return handled;
    }

    /** True while records below the committed offsets are being replayed. */
    public boolean replaying() {
        return !replayUntil.isEmpty();
    }

    /** Next offsets to read after the records handed over so far (the current record included). */
    public StreamPositions positions() {
        return positions;
    }

    /** The last infrastructure or fatal error, phrased for a person; null when none. */
    public String lastError() {
        return lastError;
    }

    /** Asks the loop to finish the current record batch and stop; returns at once. */
    public void stop() {
        running = false;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public void run() {
        Duration backoff = settings.backoff();
        try {
            boolean prepared = false;
            while (running && !prepared) {
                try {
                    // the producer first: its initTransactions completes a commit a dead instance left in flight, so the
                    // versions prepare() loads from Kafka include it
                    outbox = outboxes.get();
                    prepare.run();
                    outbox.keepTrying(() -> running);
                    deadLetters = new DeadLetters(outbox, deadLetterTopic);
                    prepared = true;
                } catch (BrokerAccessException | KafkaException e) {
                    backoff = waitForBroker(e.getMessage(), e, backoff);
                }
            }
            backoff = settings.backoff();
            consumer = consumers.get();
            consumer.subscribe(List.of(topic), new CommitOnRevoke());
            while (running) {
                try {
                    pollOnce();
                    backoff = settings.backoff();
                } catch (WakeupException e) {
                    // stop() was called; the loop condition ends it
                } catch (AuthenticationException | AuthorizationException e) {
                    backoff = waitForBroker(BrokerAccessException.from(e).getMessage(), e, backoff);
                } catch (KafkaException | BrokerAccessException | java.util.concurrent.ExecutionException e) {
                    backoff = waitForBroker("Kafka unavailable: " + e.getMessage(), e, backoff);
                }
            }
            state = State.STOPPED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            state = State.STOPPED;
        } catch (RuntimeException | Error e) {
            lastError = "ingest stopped by an unexpected error: " + e;
            state = State.FAILED;
            LOG.error("Ingest loop failed; offsets after the last handled record stay uncommitted", e);
        } finally {
            Consumer<byte[], byte[]> c = consumer;
            if (c != null) {
                try {
                    c.close(Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    LOG.warn("Closing the consumer failed: {}", e.toString());
                }
            }
            if (state != State.FAILED) {
                state = State.STOPPED;
            }
        }
    }

    private void pollOnce() throws java.util.concurrent.ExecutionException, InterruptedException {
        if (outbox.discarded()) {
            renewOutbox(); // may throw while the broker is away; tried again on the next pass
        }
        if (pendingRollback) {
            rollBack(); // may throw while the broker is still away; tried again on the next pass
            pendingRollback = false;
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(settings.pollTimeout());
        if (state != State.RUNNING) {
            LOG.info("Ingest running on {} ({} partitions assigned)", topic, consumer.assignment().size());
            state = State.RUNNING;
            lastError = null;
        }
        if (!records.isEmpty() || versionsDue()) {
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            long deadline = System.nanoTime() + settings.batchDuration().toNanos();
            int count = 0;
            try {
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    if (count >= settings.batchRecords() || (count > 0 && System.nanoTime() - deadline > 0)) {
                        break; // the rest of the poll is consumed again, in the next batch
                    }
                    count++;
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    positions.moveTo(tp, record.offset() + 1);
                    Long until = replayUntil.get(tp);
                    boolean replay = until != null && record.offset() < until;
                    outbox.suppress(replay);
                    try {
                        handle(record);
                    } catch (DivergedException e) {
                        outbox.suppress(false);
                        divergedAt(tp, record.offset(), e);
                        return;
                    } finally {
                        outbox.suppress(false);
                    }
                    next.put(tp, new OffsetAndMetadata(record.offset() + 1));
                    if (replay && record.offset() + 1 >= until) {
                        replayUntil.remove(tp);
                        checkpointDue = true; // the rebuilt state is worth keeping before anything else goes wrong
                        LOG.info("Replay of {} done at offset {}: state rebuilt, outputs resume", tp, until);
                    }
                }
                if (count < records.count()) {
                    seekToUnhandled(records, next);
                }
                endBatch();
                outbox.commit(committable(next), consumer);
            } catch (RuntimeException | java.util.concurrent.ExecutionException e) {
                failedBatch(e);
                throw e;
            }
            next.forEach((tp, offset) -> committed.merge(tp, offset.offset(), Math::max));
            afterBatch.run();
        }
        updateLag();
    }

    /** Offsets to commit: those of records handled for the first time (replayed ones were committed before). */
    private Map<TopicPartition, OffsetAndMetadata> committable(Map<TopicPartition, OffsetAndMetadata> next) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        next.forEach((tp, offset) -> {
            Long done = committed.get(tp);
            if (done == null || offset.offset() > done) {
                out.put(tp, offset);
            }
        });
        return out;
    }

    /** Seeks each partition with records the batch did not reach back to its first such record. */
    private void seekToUnhandled(ConsumerRecords<byte[], byte[]> records, Map<TopicPartition, OffsetAndMetadata> next) {
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> polled = records.records(tp);
            OffsetAndMetadata handledTo = next.get(tp);
            long firstUnhandled = handledTo == null ? polled.get(0).offset() : handledTo.offset();
            if (firstUnhandled <= polled.get(polled.size() - 1).offset()) {
                consumer.seek(tp, firstUnhandled);
            }
        }
    }

    /** Versions folded during the batch go out in its transaction. */
    private void endBatch() {
        for (Map.Entry<String, ? extends Learner> e : learners.all().entrySet()) {
            try {
                e.getValue().batchEnded();
            } catch (KafkaException | BrokerAccessException kafkaFailure) {
                throw kafkaFailure; // the batch rolls back; not the model's fault
            } catch (RuntimeException | OutOfMemoryError failure) {
                if (!running) {
                    throw failure; // shutting down: the producer may be closed; the batch rolls back
                }
                park(e.getKey(), failure); // a version that cannot be built (non-finite weights, a bug): that model only
            }
        }
    }

    private boolean versionsDue() {
        for (Learner learner : learners.all().values()) {
            if (learner.versionDue()) {
                return true;
            }
        }
        return false;
    }

    /**
     * A batch failed to commit: abort its transaction, or, when the producer can no longer abort
     * (fenced after our own transaction outlived its timeout, or in an error state), let go of it
     * so the next pass makes a new one; then roll the learners back to the checkpoint, or rewind.
     */
    private void failedBatch(Exception e) {
        Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
        boolean fenced = cause instanceof ProducerFencedException || cause instanceof InvalidProducerEpochException
                || cause.getCause() instanceof ProducerFencedException || cause.getCause() instanceof InvalidProducerEpochException;
        long ageNanos = outbox.transactionAgeNanos();
        if (cause instanceof ProducerFencedException && ageNanos < settings.transactionTimeout().toNanos() / 2) {
            outbox.discard();
            throw new IllegalStateException("another Engram instance with the same transactional id took over (producer fenced "
                    + "while our transaction was " + ageNanos / 1_000_000 + " ms old, far inside the transaction timeout of "
                    + settings.transactionTimeout().toSeconds() + " s); this one stops so outputs are never written twice", e);
        }
        boolean renew = fenced;
        if (!renew) {
            try {
                outbox.abort();
            } catch (RuntimeException abortFailed) {
                LOG.warn("Aborting the transaction failed ({}); making a new producer", abortFailed.toString());
                renew = true;
            }
        }
        if (renew) {
            recoveries++;
            LOG.warn("The output producer cannot go on ({}; transaction {} ms old): making a new one, rolling back to the "
                    + "checkpoint and replaying", cause.toString(), ageNanos / 1_000_000);
            outbox.discard();
        }
        if (rollback != null) {
            // the learners took in records whose batch did not commit: back to the checkpoint, then replay
            pendingRollback = true;
        } else {
            rewind();
        }
    }

    /** Makes a new transactional producer after the old one was let go. */
    private void renewOutbox() {
        outbox = outboxes.get();
        outbox.keepTrying(() -> running);
        deadLetters = new DeadLetters(outbox, deadLetterTopic);
        LOG.info("New output producer ready");
    }

    /**
     * Whether the learners hold exactly what was committed: false after a batch failed until its
     * rollback ran (a shutdown checkpoint then would save uncommitted learning).
     */
    public boolean clean() {
        return !pendingRollback && (outbox == null || !outbox.discarded());
    }

    /** Times the output producer was replaced after a fencing or an error state. */
    public long recoveries() {
        return recoveries;
    }

    /** Models parked after an unexpected error, by id. */
    public Map<String, Parked> parked() {
        return Map.copyOf(parked);
    }

    /** True once after a replay finished: a checkpoint should be written at once. */
    public boolean takeCheckpointDue() {
        boolean due = checkpointDue;
        checkpointDue = false;
        return due;
    }

    /**
     * A learner diverged on a record: drop the batch's outputs, roll the learners back to the last
     * checkpoint, mark the record, and consume again from the checkpoint's offsets (replaying what
     * was committed, dead-lettering the marked record as {@code diverged}).
     */
    private void divergedAt(TopicPartition tp, long offset, RuntimeException e) {
        LOG.error("{} Rolling back to the last checkpoint; {}-{}@{} will be dead-lettered as diverged.",
                e.getMessage(), tp.topic(), tp.partition(), offset);
        try {
            outbox.abort();
        } catch (RuntimeException abortFailed) {
            LOG.warn("Aborting the transaction failed ({}); making a new producer", abortFailed.toString());
            outbox.discard();
            renewOutbox();
        }
        poisoned.computeIfAbsent(tp, k -> new java.util.HashSet<>()).add(offset);
        if (rollback == null) {
            throw new IllegalStateException("learner diverged and no rollback is configured", e);
        }
        rollBack();
    }

    /** Restores the learners from the last checkpoint and seeks to its offsets, replaying what is committed. */
    private void rollBack() {
        Map<TopicPartition, Long> from = rollback.get();
        parked.keySet().forEach(learners::remove); // a parked model stays parked; the checkpoint may hold its learner
        for (TopicPartition assigned : consumer.assignment()) {
            Long committedOffset = committed.get(assigned);
            Long start = from.get(assigned);
            long seekTo = start != null ? start : consumer.beginningOffsets(List.of(assigned)).get(assigned);
            consumer.seek(assigned, seekTo);
            positions.moveTo(assigned, seekTo);
            if (committedOffset != null && seekTo < committedOffset) {
                replayUntil.put(assigned, committedOffset);
            }
        }
    }

    /** Hands one record to its learner or to the dead-letter topic, and counts it. */
    private void handle(ConsumerRecord<byte[], byte[]> record) {
        handled++;
        Set<Long> marked = poisoned.get(new TopicPartition(record.topic(), record.partition()));
        if (marked != null && marked.remove(record.offset())) {
            reject(record, new Rejection(record.key() == null ? RecordDecoder.DEFAULT_MODEL
                    : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8), RejectReason.DIVERGED,
                    "Expected learning from this record to keep the model finite; it made the outputs NaN or infinite, "
                            + "so the learner was rolled back to its last checkpoint and the record set aside.", null));
            return;
        }
        IngestRecord decoded = decoder.decode(record.key(), record.value(), AvroRecords.isAvro(record.headers()));
        if (decoded instanceof Rejection rejection) {
            reject(record, rejection);
            return;
        }
        String model = decoded.model();
        Parked parkedModel = parked.get(model);
        if (parkedModel != null) {
            reject(record, new Rejection(model, RejectReason.MODEL_PARKED, "Expected model " + model + " to be learning; it was parked "
                    + "at " + parkedModel.since() + " after an unexpected error (" + parkedModel.reason() + "), so its records are "
                    + "set aside until the instance restarts.", idOf(decoded)));
            return;
        }
        try {
            Learner learner = learners.forModel(model);
            if (decoded instanceof Example example) {
                if (example.split() == Example.Split.TRAIN) {
                    learner.checkTask(example.task()); // a task beyond the limit is refused before anything changes
                    String previous = currentTask.get(model);
                    if (settings.taskSwitchEndsTask() && previous != null && !previous.equals(example.task())) {
                        LOG.info("Model {}: task {} ends, {} begins (task switch at offset {})",
                                model, previous, example.task(), record.offset());
                        learner.endTask(previous);
                    }
                    currentTask.put(model, example.task());
                    learner.train(example);
                    metrics.trained(model, record.timestamp());
                } else {
                    learner.keepForEvaluation(example);
                }
                metrics.example(model, example.split());
            } else {
                Control control = (Control) decoded;
                if (control.type() == Control.Type.TASK_END) {
                    learner.endTask(control.task());
                    currentTask.remove(model, control.task());
                } else {
                    learner.publish();
                }
                metrics.control(model, control.type());
            }
        } catch (ModelLimitException e) {
            reject(record, new Rejection(model, e.limit() == ModelLimitException.Limit.MODELS ? RejectReason.TOO_MANY_MODELS
                    : RejectReason.TOO_MANY_TASKS, e.getMessage(), idOf(decoded)));
        } catch (OutlierException e) {
            reject(record, new Rejection(model, RejectReason.OUTLIER, e.getMessage(), idOf(decoded)));
        } catch (DivergedException | KafkaException | BrokerAccessException e) {
            throw e; // the batch rolls back; not the model's fault
        } catch (RuntimeException | OutOfMemoryError e) {
            if (!running) {
                throw e; // shutting down: the producer may be closed; the batch rolls back, the model keeps its state
            }
            park(model, e);
            reject(record, new Rejection(model, RejectReason.MODEL_PARKED, "Expected model " + model + " to learn from this record; "
                    + "its learner failed with " + e + ", so the model is parked and its records are set aside until the instance "
                    + "restarts.", idOf(decoded)));
        }
    }

    private static String idOf(IngestRecord record) {
        return record instanceof Example example ? example.id() : null;
    }

    private void reject(ConsumerRecord<byte[], byte[]> record, Rejection rejection) {
        if (!outbox.suppressed()) {
            LOG.warn("Dead-lettering {}-{}@{}{}: {} ({})", record.topic(), record.partition(), record.offset(),
                    rejection.id() == null ? "" : " id=" + rejection.id(), rejection.message(), rejection.reason().code());
        }
        deadLetters.send(record, rejection);
        metrics.rejected(rejection.reason());
    }

    /** Sets a model aside after an unexpected error in its learner; the other models go on. */
    private void park(String model, Throwable e) {
        LOG.error("Model {} is parked after an unexpected error; its records are dead-lettered as model_parked until restart", model, e);
        parked.put(model, new Parked(model, e.toString(), java.time.Instant.now()));
        currentTask.remove(model);
        try {
            learners.remove(model);
        } catch (RuntimeException removeFailed) {
            LOG.warn("Could not let go of model {}'s learner: {}", model, removeFailed.toString());
        }
        metrics.parked(model);
    }

    private void updateLag() {
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(tp);
            if (lag.isPresent()) {
                long position = consumer.position(tp);
                long end = position + lag.getAsLong();
                Long done = committed.get(tp);
                metrics.lag(tp, lag.getAsLong(), done == null ? end : Math.max(0, end - done));
            }
        }
    }

    /** Moves every assigned partition back to its last committed offset, so nothing is skipped. */
    private void rewind() {
        try {
            Set<TopicPartition> assigned = consumer.assignment();
            Map<TopicPartition, OffsetAndMetadata> offsets = consumer.committed(assigned);
            for (TopicPartition tp : assigned) {
                OffsetAndMetadata offset = offsets.get(tp);
                if (offset != null) {
                    consumer.seek(tp, offset);
                    positions.moveTo(tp, offset.offset());
                } else {
                    consumer.seekToBeginning(List.of(tp));
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not rewind to the committed offsets ({}); the group will resume from them on rejoin", e.toString());
        }
    }

    private Duration waitForBroker(String message, Exception cause, Duration backoff) throws InterruptedException {
        if (!message.equals(lastError)) {
            LOG.error("{} Retrying in {} ms.", message, backoff.toMillis(), cause instanceof KafkaException ? null : cause);
        }
        lastError = message;
        state = State.WAITING_FOR_BROKER;
        Thread.sleep(backoff.toMillis());
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : doubled;
    }

    /** Commits what was handled before partitions move to another instance. */
    private final class CommitOnRevoke implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
            // every batch is committed before the next poll, so nothing handled is left uncommitted here
            partitions.forEach(tp -> {
                committed.remove(tp);
                replayUntil.remove(tp); // a replay in progress starts again where the learners are on reassignment
            });
        }

        @Override
        public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
            LOG.info("Assigned {}", partitions);
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> groupOffsets = consumer.committed(new java.util.HashSet<>(partitions));
            Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(partitions);
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = groupOffsets.get(tp);
                long committedOffset = c == null ? beginnings.get(tp) : c.offset();
                committed.put(tp, committedOffset);
                Long start = startOffsets.get(tp);
                if (start == null && replayFromBeginning && c != null) {
                    start = beginnings.get(tp);
                }
                Long learned = positions.get(tp);
                if (start == null && learned != null && learned < committedOffset) {
                    start = learned; // reassigned while the learners were behind the group (a replay or rollback cut short)
                }
                if (start != null && start < committedOffset) {
                    long from = Math.max(start, beginnings.get(tp));
                    consumer.seek(tp, from);
                    replayUntil.put(tp, committedOffset);
                    LOG.info("{}: replaying offsets {}..{} to rebuild state (outputs suppressed; they were committed before)",
                            tp, from, committedOffset - 1);
                } else if (start != null && start > committedOffset) {
                    // the checkpoint is ahead of the group (cannot happen with outputs committed first); trust the group
                    LOG.warn("{}: checkpoint offset {} is ahead of the committed offset {}; resuming at the committed offset",
                            tp, start, committedOffset);
                }
            }
            // the restored state matches these offsets once; a later rebalance keeps the learners' state as it is
            startOffsets = Map.of();
            replayFromBeginning = false;
        }
    }
}
