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
import org.apache.kafka.common.errors.ProducerFencedException;
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
 * <p>Failures are typed (STYLE.md §7): a bad record is dead-lettered and the loop goes on; an
 * infrastructure failure (broker unreachable, credentials refused, a dead letter not acknowledged)
 * makes the loop rewind to the last committed offsets, wait with exponential back-off and try
 * again, with {@link State#WAITING_FOR_BROKER}; anything else stops the loop with
 * {@link State#FAILED} and leaves the offsets of unhandled records uncommitted.
 *
 * <p>Offsets are committed only after every record before them was handed to its learner or its
 * dead letter was acknowledged by the broker.
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
    public record Settings(Duration pollTimeout, Duration backoff, Duration maxBackoff, boolean taskSwitchEndsTask) {
    }

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
                    prepare.run();
                    outbox = outboxes.get();
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
                } catch (ProducerFencedException e) {
                    throw new IllegalStateException("another Engram instance with the same transactional id took over "
                            + "(producer fenced); this one stops so outputs are never written twice", e);
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
        if (!records.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            try {
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    positions.advance(tp, record.offset() + 1);
                    Long until = replayUntil.get(tp);
                    boolean replay = until != null && record.offset() < until;
                    outbox.suppress(replay);
                    try {
                        handle(record);
                    } catch (io.engram.learn.DivergedException e) {
                        outbox.suppress(false);
                        divergedAt(tp, record.offset(), e);
                        return;
                    } finally {
                        outbox.suppress(false);
                    }
                    if (!replay) {
                        next.put(tp, new OffsetAndMetadata(record.offset() + 1));
                    } else if (record.offset() + 1 >= until) {
                        replayUntil.remove(tp);
                        LOG.info("Replay of {} done at offset {}: state rebuilt, outputs resume", tp, until);
                    }
                }
                outbox.commit(next, consumer);
            } catch (ProducerFencedException e) {
                throw e;
            } catch (RuntimeException | java.util.concurrent.ExecutionException e) {
                try {
                    outbox.abort();
                } catch (RuntimeException abortFailed) {
                    LOG.warn("Aborting the transaction failed ({}); the broker aborts it when it times out", abortFailed.toString());
                }
                if (rollback != null && (e instanceof KafkaException || e instanceof java.util.concurrent.ExecutionException)) {
                    // the learners took in records whose batch did not commit: back to the checkpoint, then replay
                    pendingRollback = true;
                } else {
                    rewind();
                }
                throw e;
            }
            next.forEach((tp, offset) -> committed.put(tp, offset.offset()));
            afterBatch.run();
        }
        updateLag();
    }

    /**
     * A learner diverged on a record: drop the batch's outputs, roll the learners back to the last
     * checkpoint, mark the record, and consume again from the checkpoint's offsets (replaying what
     * was committed, dead-lettering the marked record as {@code diverged}).
     */
    private void divergedAt(TopicPartition tp, long offset, RuntimeException e) {
        LOG.error("{} Rolling back to the last checkpoint; {}-{}@{} will be dead-lettered as diverged.",
                e.getMessage(), tp.topic(), tp.partition(), offset);
        outbox.abort();
        poisoned.computeIfAbsent(tp, k -> new java.util.HashSet<>()).add(offset);
        if (rollback == null) {
            throw new IllegalStateException("learner diverged and no rollback is configured", e);
        }
        rollBack();
    }

    /** Restores the learners from the last checkpoint and seeks to its offsets, replaying what is committed. */
    private void rollBack() {
        Map<TopicPartition, Long> from = rollback.get();
        for (TopicPartition assigned : consumer.assignment()) {
            Long committedOffset = committed.get(assigned);
            Long start = from.get(assigned);
            long seekTo = start != null ? start : consumer.beginningOffsets(List.of(assigned)).get(assigned);
            consumer.seek(assigned, seekTo);
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
            Rejection rejection = new Rejection(record.key() == null ? RecordDecoder.DEFAULT_MODEL
                    : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8), RejectReason.DIVERGED,
                    "Expected learning from this record to keep the model finite; it made the outputs NaN or infinite, "
                            + "so the learner was rolled back to its last checkpoint and the record set aside.", null);
            deadLetters.send(record, rejection);
            metrics.rejected(rejection.reason());
            return;
        }
        IngestRecord decoded = decoder.decode(record.key(), record.value(), AvroRecords.isAvro(record.headers()));
        if (decoded instanceof Example example) {
            Learner learner = learners.forModel(example.model());
            if (example.split() == Example.Split.TRAIN) {
                String previous = currentTask.put(example.model(), example.task());
                if (settings.taskSwitchEndsTask() && previous != null && !previous.equals(example.task())) {
                    LOG.info("Model {}: task {} ends, {} begins (task switch at offset {})",
                            example.model(), previous, example.task(), record.offset());
                    learner.endTask(previous);
                }
                learner.train(example);
                metrics.trained(example.model(), record.timestamp());
            } else {
                learner.keepForEvaluation(example);
            }
            metrics.example(example.model(), example.split());
        } else if (decoded instanceof Control control) {
            Learner learner = learners.forModel(control.model());
            if (control.type() == Control.Type.TASK_END) {
                currentTask.remove(control.model(), control.task());
                learner.endTask(control.task());
            } else {
                learner.publish();
            }
            metrics.control(control.model(), control.type());
        } else {
            Rejection rejection = (Rejection) decoded;
            LOG.warn("Dead-lettering {}-{}@{}{}: {} ({})", record.topic(), record.partition(), record.offset(),
                    rejection.id() == null ? "" : " id=" + rejection.id(), rejection.message(), rejection.reason().code());
            deadLetters.send(record, rejection);
            metrics.rejected(rejection.reason());
        }
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
            partitions.forEach(committed::remove);
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
