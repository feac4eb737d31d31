package io.engram.ingest;

import io.engram.learn.Example;
import io.engram.broker.BrokerAccessException;
import io.engram.learn.Learner;
import io.engram.learn.LearnerRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * The consume loop: poll, hand each partition's records to the workers (in order within a
 * partition, in parallel across partitions), keep polling and handing over while they work, and
 * when the batch closes commit its outputs with its offsets in one transaction.
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
 * <p>Partitions move between the instances of the group. On assignment the loop asks
 * {@link ModelState} to restore the partition's models (from their snapshot on Kafka) and replays
 * the records between the snapshot and the group's committed offset with outputs suppressed; on a
 * graceful revocation the partition's models are snapshotted in a last transaction and let go; a
 * lost partition (this instance was thrown out of the group) is let go without writing anything.
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
    private volatile DeadLetters deadLetters;
    private volatile Outbox outbox;
    private final String topic;
    private final RecordDecoder decoder;
    private final LearnerRegistry learners;
    private final IngestMetrics metrics;
    private final Settings settings;
    private ModelState state = ModelState.NONE;
    /** The partitions this instance owns now, with their models. */
    private final Map<TopicPartition, OwnedPartition> owned = new ConcurrentHashMap<>();
    /** The partition each model is learned from, so a model's records never reach two workers. */
    private final Map<String, TopicPartition> homes = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final java.util.concurrent.atomic.AtomicLong handled = new java.util.concurrent.atomic.AtomicLong();
    private boolean pendingRollback;
    private Runnable afterBatch = () -> { };
    /** Records that made a learner diverge: dead-lettered, not learned, when met again. */
    private final Map<TopicPartition, Set<Long>> poisoned = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile State loopState = State.STARTING;
    private volatile String lastError;
    private volatile Consumer<byte[], byte[]> consumer;
    private volatile boolean restoring;
    private final ExecutorService workers;
    /** The workers' thread count: shares beyond it wait for a turn. */
    private final int workerThreads;

    /**
     * @param taskSwitchEndsTask whether a train example of another task ends the current one
     * @param workers threads that handle partitions in parallel (at least 1)
     */
    public record Settings(Duration pollTimeout, Duration backoff, Duration maxBackoff, boolean taskSwitchEndsTask,
            Duration batchDuration, int batchRecords, Duration transactionTimeout, int workers) {

        /** Defaults for the bounds of a batch (5 s, 20000 records, 60 s transactions), one worker per processor. */
        public Settings(Duration pollTimeout, Duration backoff, Duration maxBackoff, boolean taskSwitchEndsTask) {
            this(pollTimeout, backoff, maxBackoff, taskSwitchEndsTask, Duration.ofSeconds(5), 20000, Duration.ofSeconds(60), 0);
        }

        /** The number of worker threads: {@code workers}, or one per available processor when 0. */
        public int workerThreads() {
            return workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
        }
    }

    /** A model set aside after an unexpected error in its learner. */
    public record Parked(String model, String reason, java.time.Instant since) {
    }

    private final Map<String, Parked> parked = new ConcurrentHashMap<>();
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
        int threads = settings.workerThreads();
        this.workerThreads = threads;
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "engram-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public State state() {
        return loopState;
    }

    /**
     * Where models come from on assignment and go on revocation; without one ({@link ModelState#NONE})
     * models start fresh and a failed batch rewinds to the committed offsets.
     */
    public void setModelState(ModelState state) {
        this.state = state;
    }

    /** Runs on the loop's thread after every committed batch. */
    public void setAfterBatch(Runnable afterBatch) {
        this.afterBatch = afterBatch;
    }

    /** Records handled since start (replayed ones included). */
    public long handled() {
        return handled.get();
    }

    /** True while a partition's records below the committed offset are replayed. */
    public boolean replaying() {
        return owned.values().stream().anyMatch(OwnedPartition::replaying);
    }

    /** True while the models of newly assigned partitions are being restored. */
    public boolean restoring() {
        return restoring || !pendingTakeOver.isEmpty();
    }

    /** The partitions this instance owns now, with their models. */
    public Map<TopicPartition, OwnedPartition> owned() {
        return Map.copyOf(owned);
    }

    private volatile long lastRestoreMillis = -1;
    private volatile long restores;

    /** Milliseconds the last restore of newly owned partitions took; -1 before the first. */
    public long lastRestoreMillis() {
        return lastRestoreMillis;
    }

    /** Restores so far (assignments and rollbacks). */
    public long restores() {
        return restores;
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
                    state.prepare();
                    outbox.keepTrying(() -> running);
                    deadLetters = new DeadLetters(outbox, deadLetterTopic);
                    prepared = true;
                } catch (BrokerAccessException | KafkaException e) {
                    backoff = waitForBroker(e.getMessage(), e, backoff);
                }
            }
            backoff = settings.backoff();
            consumer = consumers.get();
            consumer.subscribe(List.of(topic), new Rebalance());
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
            loopState = State.STOPPED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loopState = State.STOPPED;
        } catch (RuntimeException | Error e) {
            lastError = "ingest stopped by an unexpected error: " + e;
            loopState = State.FAILED;
            LOG.error("Ingest loop failed; offsets after the last handled record stay uncommitted", e);
        } finally {
            Consumer<byte[], byte[]> c = consumer;
            if (c != null) {
                try {
                    c.close(Duration.ofSeconds(30)); // revokes every partition: their models are snapshotted and let go
                } catch (RuntimeException e) {
                    LOG.warn("Closing the consumer failed: {}", e.toString());
                }
            }
            workers.shutdownNow();
            if (loopState != State.FAILED) {
                loopState = State.STOPPED;
            }
        }
    }

    /** How many records a worker handles before it lets the next partition's share run (when partitions outnumber workers). */
    private static final int QUANTUM = 64;
    /** How long the loop's thread waits in one poll while a batch is open. */
    private static final Duration BATCH_POLL = Duration.ofMillis(20);

    /**
     * One batch: handled by the workers while this thread polls on and hands them more, committed
     * at once when it closes. A batch closes when it reached its time ({@link Settings#batchDuration()}),
     * when one partition's share handled {@link Settings#batchRecords()}, right after a record that
     * makes a version due (at most once a second: {@link #VERSION_CLOSE_INTERVAL_NANOS}), when every
     * share is done and nothing more came, or on a revocation or a stop; each worker then stops after the record in its
     * hands, so no worker waits for another's share, and the records not reached are consumed again in
     * the next batch.
     */
    private void pollOnce() throws java.util.concurrent.ExecutionException, InterruptedException {
        if (outbox.discarded()) {
            renewOutbox(); // may throw while the broker is away; tried again on the next pass
        }
        if (pendingRollback) {
            rollBack(); // may throw while the broker is still away; tried again on the next pass
            pendingRollback = false;
        }
        if (!pendingTakeOver.isEmpty()) {
            takeOverPending(); // may throw while the broker is away or a dead instance's transaction is open; tried again
        }
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(settings.pollTimeout());
        if (loopState != State.RUNNING) {
            LOG.info("Ingest running on {} ({} partitions assigned)", topic, consumer.assignment().size());
            loopState = State.RUNNING;
            lastError = null;
        }
        OpenBatch b = new OpenBatch(System.nanoTime() + settings.batchDuration().toNanos());
        for (OwnedPartition partition : owned.values()) {
            if (versionsDue(partition)) {
                b.share(partition);
            }
        }
        b.dispatch(polled);
        if (b.shares.isEmpty()) {
            updateLag();
            return;
        }
        batch = b;
        try {
            boolean more = !polled.isEmpty();
            while (!b.closing && System.nanoTime() - b.deadline < 0 && !b.full && (more || !b.idle())) {
                b.resumeCaughtUp();
                // decoding ahead of the workers puts a core the workers leave idle to use; polling without waiting then
                boolean decoded = b.decodeAhead() > 0;
                polled = consumer.poll(decoded ? Duration.ZERO : BATCH_POLL); // a revocation inside closes the batch first
                if (b.closed) {
                    seekBack(polled); // the batch committed inside the poll: these come again in the next one
                    updateLag();
                    return;
                }
                b.dispatch(polled);
                // nothing came only when a poll that waited brought nothing: a poll without waiting often finds the
                // next fetch still on its way, and closing then would commit while the workers have records coming
                more = !polled.isEmpty() || decoded;
            }
        } catch (RuntimeException e) {
            if (!b.closed) {
                close(b); // a stop (wakeup) or a broker failure: what was handled commits, or rolls back
            }
            throw e;
        }
        close(b);
        updateLag();
    }

    /**
     * Records of one partition waiting for its worker at which the partition is paused (resumed at
     * half); a share holds at most this plus one poll's records, raw and decoded (about 6 KB each for
     * 784 inputs: 24 MB). Also the consumer's {@code max.poll.records}.
     */
    public static final int QUEUE_RECORDS = 2000;

    /**
     * A record that makes a version due (a task end, a publish request, a drift alarm, a periodic
     * trigger) closes its batch right after it, unless a batch closed that way less than this long
     * ago: then the version goes out at the batch's end, with any others that came due meanwhile.
     */
    private static final long VERSION_CLOSE_INTERVAL_NANOS = 1_000_000_000L;
    /** When a batch last closed for a version due (System.nanoTime). */
    private volatile long lastVersionClose = System.nanoTime() - VERSION_CLOSE_INTERVAL_NANOS;

    /** Records the loop's thread decodes ahead of the workers between two polls. */
    private static final int DECODE_AHEAD = 256;

    /**
     * A record handed to a worker, decoded by whichever thread comes first: the loop's thread ahead
     * of the worker, or the worker when it gets there first.
     */
    private final class Pending {
        private static final int RAW = 0;
        private static final int DECODING = 1;
        private static final int DECODED = 2;
        final ConsumerRecord<byte[], byte[]> record;
        private final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger(RAW);
        private IngestRecord decoded; // published by the volatile write of DECODED

        Pending(ConsumerRecord<byte[], byte[]> record) {
            this.record = record;
        }

        /** On the loop's thread: decodes the record unless its worker took it; true when this call decoded it. */
        boolean decodeAhead() {
            if (!state.compareAndSet(RAW, DECODING)) {
                return false;
            }
            IngestRecord r;
            try {
                r = decode(record);
            } catch (RuntimeException e) {
                state.set(RAW); // the worker decodes it and meets the failure itself
                return false;
            }
            decoded = r;
            state.set(DECODED);
            return true;
        }

        /** On the worker: the decoded record, decoding it here unless the loop's thread did or is doing it. */
        IngestRecord take() {
            if (state.compareAndSet(RAW, DECODING)) {
                return decode(record);
            }
            while (state.get() == DECODING) {
                Thread.onSpinWait(); // the loop's thread is decoding it now: microseconds
            }
            if (state.get() == RAW) {
                return decode(record); // the loop's thread failed on it
            }
            return decoded;
        }
    }

    private IngestRecord decode(ConsumerRecord<byte[], byte[]> record) {
        return decoder.decode(record.key(), record.value(), AvroRecords.isAvro(record.headers()));
    }

    /** The open batch, or null between batches. */
    private volatile OpenBatch batch;

    /** A batch's records by partition, with the workers handling them. */
    private final class OpenBatch {
        final long deadline;
        final Map<TopicPartition, Share> shares = new java.util.LinkedHashMap<>();
        /** Partitions paused because their share is full; resumed when the batch closes. */
        final Set<TopicPartition> paused = new HashSet<>();
        /** Set when the batch closes, or a worker failed: workers stop after their record. */
        volatile boolean closing;
        /** Set when a share handled {@link Settings#batchRecords()}. */
        volatile boolean full;
        /** Set when the batch closes right after a record that made a version due. */
        volatile boolean versionClose;
        boolean closed;
        /** Shares with a worker task queued or running (guarded by this). */
        int scheduled;

        OpenBatch(long deadline) {
            this.deadline = deadline;
        }

        Share share(OwnedPartition partition) {
            return shares.computeIfAbsent(partition.topicPartition(), tp -> new Share(this, partition));
        }

        /**
         * Hands polled records to their partitions' shares, at most {@link Settings#batchRecords()} a
         * share in the batch: a partition whose share cannot take all is sought back to the first
         * record it did not take and paused until the batch closes. A partition whose share has
         * {@link #QUEUE_RECORDS} or more waiting is paused until its worker has caught up to half (no
         * seek: the consumer keeps what it fetched), so a share holds at most that plus one poll.
         */
        void dispatch(ConsumerRecords<byte[], byte[]> polled) {
            for (TopicPartition tp : polled.partitions()) {
                OwnedPartition partition = owned.get(tp);
                if (partition == null || !consumer.assignment().contains(tp)) {
                    continue; // revoked during the poll: the new owner reads from the committed offset
                }
                Share share = share(partition);
                List<ConsumerRecord<byte[], byte[]>> records = polled.records(tp);
                int room = settings.batchRecords() - share.dispatched;
                if (records.size() > room) {
                    consumer.seek(tp, records.get(Math.max(room, 0)).offset()); // the rest comes again
                    records = records.subList(0, Math.max(room, 0));
                }
                share.dispatched += records.size();
                share.offer(records);
                if (share.dispatched >= settings.batchRecords() || share.waiting() >= QUEUE_RECORDS) {
                    consumer.pause(List.of(tp));
                    paused.add(tp);
                }
            }
        }

        /** Resumes the partitions the batch paused that are still assigned and not waiting for a take-over. */
        void resumePaused() {
            Set<TopicPartition> resume = new HashSet<>(paused);
            resume.retainAll(consumer.assignment());
            resume.removeAll(pendingTakeOver);
            consumer.resume(resume);
        }

        /** Resumes the partitions paused for a full queue whose worker has caught up to half of it. */
        void resumeCaughtUp() {
            List<TopicPartition> resume = new ArrayList<>();
            for (TopicPartition tp : paused) {
                Share share = shares.get(tp);
                if (share.dispatched < settings.batchRecords() && share.waiting() < QUEUE_RECORDS / 2
                        && consumer.assignment().contains(tp) && !pendingTakeOver.contains(tp)) {
                    resume.add(tp);
                }
            }
            if (!resume.isEmpty()) {
                consumer.resume(resume);
                resume.forEach(paused::remove);
            }
        }

        synchronized boolean idle() {
            if (scheduled > 0) {
                return false;
            }
            for (Share share : shares.values()) {
                if (share.head < share.queue.size()) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Decodes up to {@link #DECODE_AHEAD} records the workers have not reached, on the loop's thread;
         * a worker reaching a record first decodes it itself. Returns how many this thread decoded.
         */
        int decodeAhead() {
            int done = 0;
            for (Share share : shares.values()) {
                int from;
                int to;
                synchronized (this) {
                    from = Math.max(share.ahead, share.head);
                    to = share.queue.size();
                }
                for (int i = from; i < to && done < DECODE_AHEAD && !closing; i++) {
                    Pending pending = share.queue.get(i); // only this thread adds to the queue; null once its worker handled it
                    done += pending != null && pending.decodeAhead() ? 1 : 0;
                    share.ahead = i + 1;
                }
            }
            return done;
        }

        synchronized void taskEnded() {
            scheduled--;
            notifyAll();
        }

        /** Stops the workers after the record in their hands and waits for them. */
        synchronized void stopWorkers() throws InterruptedException {
            closing = true;
            while (scheduled > 0) {
                wait();
            }
        }
    }

    /** One partition's records in a batch, handled in order by one worker at a time. */
    private final class Share implements Runnable {
        final OpenBatch batch;
        final OwnedPartition partition;
        /** Records handed over, in order (added by the loop's thread, guarded by the batch); those from {@link #head} are not handled yet. */
        final List<Pending> queue = new ArrayList<>();
        /** The next record to handle (guarded by the batch). */
        int head;
        /** The next record to decode ahead (the loop's thread only). */
        int ahead;
        /** Whether a worker task of this share is queued or running (guarded by the batch). */
        boolean scheduled;
        /** Records handed over (the loop's thread only). */
        int dispatched;
        int count;
        long handledTo;
        RuntimeException diverged;
        long divergedAt = -1;
        Throwable failure;

        Share(OpenBatch batch, OwnedPartition partition) {
            this.batch = batch;
            this.partition = partition;
            this.handledTo = partition.next();
        }

        void offer(List<ConsumerRecord<byte[], byte[]>> records) {
            if (records.isEmpty()) {
                return;
            }
            List<Pending> pending = new ArrayList<>(records.size());
            for (ConsumerRecord<byte[], byte[]> record : records) {
                pending.add(new Pending(record));
            }
            synchronized (batch) {
                queue.addAll(pending);
                if (scheduled) {
                    return;
                }
                scheduled = true;
                batch.scheduled++;
            }
            workers.execute(this);
        }

        /**
         * Handles the records waiting, {@link #QUANTUM} at a time; after each quantum it goes to the
         * back of the workers' queue when other shares wait for a thread, and goes on in this thread
         * (its cache warm, no hand-over) when none does.
         */
        @Override
        public void run() {
            try {
                int handled = 0;
                while (handled < QUANTUM || !othersWait()) {
                    handled = handled < QUANTUM ? handled + 1 : 1; // a new quantum when no other share waits
                    Pending record;
                    synchronized (batch) {
                        record = batch.closing || head == queue.size() ? null : queue.get(head);
                        if (record == null) {
                            scheduled = false;
                            batch.taskEnded();
                            return;
                        }
                    }
                    boolean goOn = handleOne(record);
                    synchronized (batch) {
                        queue.set(head++, null); // what a batch holds is what waits, not what it handled
                    }
                    if (!goOn) {
                        batch.closing = true;
                        break;
                    }
                }
            } catch (RuntimeException | Error e) {
                failure = e;
                batch.closing = true;
            }
            synchronized (batch) {
                if (!batch.closing && head < queue.size()) {
                    workers.execute(this); // still scheduled: the next quantum after the other shares' turns
                    return;
                }
                scheduled = false;
                batch.taskEnded();
            }
        }

        /** Whether more shares have a worker task queued or running than there are worker threads. */
        private boolean othersWait() {
            synchronized (batch) {
                return batch.scheduled > workerThreads;
            }
        }

        /** Handles one record; false when the learner diverged on it (the batch then rolls back). */
        private boolean handleOne(Pending pending) {
            ConsumerRecord<byte[], byte[]> record = pending.record;
            count++;
            partition.moveTo(record.offset() + 1);
            Long until = partition.replayUntil();
            boolean replay = until != null && record.offset() < until;
            outbox.suppress(replay);
            try {
                String model = handle(record, partition, pending, batch);
                partition.handled(model, replay);
                if (replay) {
                    metrics.replayed(1);
                }
            } catch (DivergedException e) {
                diverged = e;
                divergedAt = record.offset();
                return false;
            } finally {
                outbox.suppress(false);
            }
            handledTo = record.offset() + 1;
            if (replay && record.offset() + 1 >= until) {
                partition.replayDone();
                LOG.info("Replay of {} done at offset {}: state rebuilt, outputs resume", partition.topicPartition(), until);
            }
            if (count >= settings.batchRecords()) {
                batch.full = true;
            }
            return true;
        }

        /** Records handed over and not handled yet. */
        int waiting() {
            synchronized (batch) {
                return queue.size() - head;
            }
        }

        /** The first offset handed over and not handled, or -1 when it handled all. */
        long firstUnhandled() {
            synchronized (batch) {
                return head < queue.size() ? queue.get(head).record.offset() : -1;
            }
        }
    }

    /**
     * Closes a batch: stops its workers, ends each share (versions folded, snapshot when due, in
     * parallel), and commits the outputs with the offsets handled; a failure aborts and rolls back.
     */
    private void close(OpenBatch b) throws java.util.concurrent.ExecutionException, InterruptedException {
        b.stopWorkers();
        if (b.versionClose) {
            lastVersionClose = System.nanoTime();
        }
        b.closed = true;
        batch = null;
        metrics.batch(b.shares.size());
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        try {
            try {
                for (Share share : b.shares.values()) {
                    if (share.failure != null) {
                        throw share.failure instanceof RuntimeException re ? re : new IllegalStateException(share.failure);
                    }
                }
                for (Share share : b.shares.values()) {
                    if (share.diverged != null) {
                        divergedAt(share.partition.topicPartition(), share.divergedAt, share.diverged);
                        return;
                    }
                }
                List<Future<?>> ends = new ArrayList<>();
                for (Share share : b.shares.values()) {
                    OwnedPartition partition = share.partition;
                    ends.add(workers.submit(() -> {
                        endBatch(partition);
                        if (!partition.replaying()) {
                            state.afterBatch(partition, partition.takeSnapshotDue());
                        }
                    }));
                }
                RuntimeException failure = null;
                for (Future<?> end : ends) {
                    try {
                        end.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (failure == null) {
                            failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                        }
                    }
                }
                if (failure != null) {
                    throw failure;
                }
                for (Share share : b.shares.values()) {
                    if (share.count > 0) {
                        next.put(share.partition.topicPartition(), new OffsetAndMetadata(share.handledTo));
                    }
                    long unhandled = share.firstUnhandled();
                    TopicPartition tp = share.partition.topicPartition();
                    if (unhandled >= 0 && owned.containsKey(tp) && consumer.assignment().contains(tp)) {
                        consumer.seek(tp, unhandled);
                    }
                }
                long commitStart = System.nanoTime();
                outbox.commit(committable(next), consumer);
                int records = 0;
                for (Share share : b.shares.values()) {
                    records += share.count;
                }
                metrics.committed(records, System.nanoTime() - commitStart);
            } catch (RuntimeException | java.util.concurrent.ExecutionException e) {
                failedBatch(e);
                throw e;
            }
            next.forEach((tp, offset) -> committed.merge(tp, offset.offset(), Math::max));
            afterBatch.run();
        } finally {
            b.resumePaused();
        }
    }

    /** Seeks the partitions of records polled after their batch closed back to the first of them. */
    private void seekBack(ConsumerRecords<byte[], byte[]> polled) {
        for (TopicPartition tp : polled.partitions()) {
            if (owned.containsKey(tp) && consumer.assignment().contains(tp)) {
                consumer.seek(tp, polled.records(tp).get(0).offset());
            }
        }
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

    /** Versions folded during the batch go out in its transaction, with the offsets the models reflect. */
    private void endBatch(OwnedPartition partition) {
        Map<String, Long> offsets = Map.of(partition.topicPartition().topic() + "-" + partition.topicPartition().partition(),
                partition.next());
        Map<String, ? extends Learner> all = learners.all();
        for (String model : List.copyOf(partition.models())) {
            Learner learner = all.get(model);
            if (learner == null) {
                continue;
            }
            try {
                learner.batchEnded(offsets);
            } catch (KafkaException | BrokerAccessException kafkaFailure) {
                throw kafkaFailure; // the batch rolls back; not the model's fault
            } catch (DivergedException diverged) {
                throw diverged;
            } catch (RuntimeException | OutOfMemoryError failure) {
                if (!running) {
                    throw failure; // shutting down: the producer may be closed; the batch rolls back
                }
                park(partition, model, failure); // a version that cannot be built (non-finite weights, a bug): that model only
            }
        }
    }

    private boolean versionsDue(OwnedPartition partition) {
        Map<String, ? extends Learner> all = learners.all();
        for (String model : partition.models()) {
            Learner learner = all.get(model);
            if (learner != null && learner.versionDue()) {
                return true;
            }
        }
        return false;
    }

    /**
     * A batch failed to commit: abort its transaction, or, when the producer can no longer abort
     * (fenced after our own transaction outlived its timeout, or in an error state), let go of it
     * so the next pass makes a new one; then restore the partitions' models, or rewind.
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
            LOG.warn("The output producer cannot go on ({}; transaction {} ms old): making a new one, restoring the models "
                    + "from their snapshots and replaying", cause.toString(), ageNanos / 1_000_000);
            outbox.discard();
        }
        if (state != ModelState.NONE) {
            // the learners took in records whose batch did not commit: back to the snapshot, then replay
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
     * rollback ran (a snapshot then would save uncommitted learning).
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

    /**
     * A learner diverged on a record: drop the batch's outputs, restore the models from their
     * snapshots, mark the record, and consume again from the snapshots' offsets (replaying what
     * was committed, dead-lettering the marked record as {@code diverged}).
     */
    private void divergedAt(TopicPartition tp, long offset, RuntimeException e) {
        LOG.error("{} Restoring the models from their snapshots; {}-{}@{} will be dead-lettered as diverged.",
                e.getMessage(), tp.topic(), tp.partition(), offset);
        try {
            outbox.abort();
        } catch (RuntimeException abortFailed) {
            LOG.warn("Aborting the transaction failed ({}); making a new producer", abortFailed.toString());
            outbox.discard();
            renewOutbox();
        }
        poisoned.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(offset);
        if (state == ModelState.NONE) {
            throw new IllegalStateException("learner diverged and no model state is configured to roll back to", e);
        }
        rollBack();
    }

    /** Lets go of every owned partition's models and takes the partitions again from their snapshots. */
    private void rollBack() {
        Set<TopicPartition> all = new HashSet<>(owned.keySet());
        Map<TopicPartition, Long> groupOffsets = Map.copyOf(committed);
        for (TopicPartition tp : all) {
            release(owned.remove(tp), false);
        }
        consumer.pause(all);
        takeOver(all, groupOffsets);
        consumer.resume(all);
    }

    /** Assigned partitions whose models are not restored yet: paused until they are. */
    private final Set<TopicPartition> pendingTakeOver = ConcurrentHashMap.newKeySet();

    /**
     * Takes the assigned partitions still waiting: reads the group's committed offsets (which
     * waits while a dead instance's transaction holding offsets of them is still open) and
     * restores their models; they are resumed only then, so no record is fetched before.
     */
    private void takeOverPending() {
        Set<TopicPartition> waiting = new HashSet<>(pendingTakeOver);
        waiting.retainAll(consumer.assignment());
        pendingTakeOver.retainAll(waiting);
        if (waiting.isEmpty()) {
            return;
        }
        restoring = true;
        Map<TopicPartition, OffsetAndMetadata> groupOffsets = consumer.committed(waiting);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        groupOffsets.forEach((tp, o) -> {
            if (o != null) {
                offsets.put(tp, o.offset());
            }
        });
        takeOver(waiting, offsets);
        pendingTakeOver.removeAll(waiting);
        consumer.resume(waiting);
    }

    /**
     * Takes partitions: restores their models and seeks to the offset the models reflect; the
     * records from there to the group's committed offset are replayed with outputs suppressed.
     */
    private void takeOver(Collection<TopicPartition> partitions, Map<TopicPartition, Long> groupOffsets) {
        if (partitions.isEmpty()) {
            return;
        }
        restoring = true;
        long start = System.nanoTime();
        try {
            Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(partitions);
            Map<TopicPartition, ModelState.Restored> restored = state.restore(new HashSet<>(partitions));
            for (TopicPartition tp : partitions) {
                long begin = beginnings.getOrDefault(tp, 0L);
                long committedOffset = groupOffsets.getOrDefault(tp, begin);
                committed.put(tp, committedOffset);
                ModelState.Restored r = restored.getOrDefault(tp, ModelState.Restored.FRESH);
                Long from = r.next() != null ? r.next() : r.rebuild() && committedOffset > begin ? Long.valueOf(begin) : null;
                OwnedPartition partition = new OwnedPartition(tp, committedOffset);
                partition.restored(r.models(), r.currentTasks());
                for (String model : r.models()) {
                    homes.put(model, tp);
                }
                if (from != null && from < committedOffset) {
                    long seekTo = Math.max(from, begin);
                    consumer.seek(tp, seekTo);
                    partition.moveTo(seekTo);
                    partition.replayUntil(committedOffset);
                    LOG.info("{}: replaying offsets {}..{} to rebuild {} (outputs suppressed; they were committed before)",
                            tp, seekTo, committedOffset - 1, r.models().isEmpty() ? "its models" : r.models().size() + " model(s)");
                } else {
                    if (from != null && from > committedOffset) {
                        // cannot happen with snapshots committed with their offsets; trust the group
                        LOG.warn("{}: snapshot offset {} is ahead of the committed offset {}; resuming at the committed offset",
                                tp, from, committedOffset);
                    }
                    consumer.seek(tp, committedOffset);
                }
                owned.put(tp, partition);
            }
            lastRestoreMillis = (System.nanoTime() - start) / 1_000_000;
            restores++;
            metrics.restored(partitions.size(), System.nanoTime() - start);
            metrics.owned(owned.size());
        } finally {
            restoring = false;
        }
    }

    /** Lets go of a partition's models (after a snapshot when {@code snapshot}). */
    private void release(OwnedPartition partition, boolean snapshot) {
        if (partition == null) {
            return;
        }
        try {
            state.release(partition, snapshot);
        } finally {
            partition.models().forEach(model -> homes.remove(model, partition.topicPartition()));
            committed.remove(partition.topicPartition());
            metrics.owned(owned.size());
        }
    }

    /**
     * Hands one record to its learner or to the dead-letter topic, and counts it; returns the
     * model it belongs to (null when unknown).
     */
    private String handle(ConsumerRecord<byte[], byte[]> record, OwnedPartition partition, Pending pending, OpenBatch batch) {
        handled.incrementAndGet();
        Set<Long> marked = poisoned.get(partition.topicPartition());
        if (marked != null && marked.remove(record.offset())) {
            String model = record.key() == null ? RecordDecoder.DEFAULT_MODEL
                    : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
            reject(record, new Rejection(model, RejectReason.DIVERGED,
                    "Expected learning from this record to keep the model finite; it made the outputs NaN or infinite, "
                            + "so the learner was rolled back to its last snapshot and the record set aside.", null));
            return model;
        }
        IngestRecord decoded = pending.take();
        if (decoded instanceof Rejection rejection) {
            reject(record, rejection);
            return null;
        }
        String model = decoded.model();
        Parked parkedModel = parked.get(model);
        if (parkedModel != null) {
            reject(record, new Rejection(model, RejectReason.MODEL_PARKED, "Expected model " + model + " to be learning; it was parked "
                    + "at " + parkedModel.since() + " after an unexpected error (" + parkedModel.reason() + "), so its records are "
                    + "set aside until the instance restarts.", idOf(decoded)));
            return model;
        }
        TopicPartition home = homes.putIfAbsent(model, partition.topicPartition());
        if (home != null && !home.equals(partition.topicPartition())) {
            reject(record, new Rejection(model, RejectReason.WRONG_PARTITION, "Expected every record of model " + model + " on one "
                    + "partition (the producer keys records by model id); this instance learns it from " + home + ", so a record of "
                    + "it on " + partition.topicPartition() + " is set aside. Produce with the model id as the key and the default "
                    + "partitioner.", idOf(decoded)));
            return model;
        }
        try {
            Learner learner = learners.forModel(model);
            partition.models().add(model);
            Map<String, String> currentTask = partition.currentTasks();
            if (decoded instanceof IngestRecord.Labelled labelled) {
                Example example = labelled.example();
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
            if (learner.versionDue() && System.nanoTime() - lastVersionClose >= VERSION_CLOSE_INTERVAL_NANOS) {
                // the batch closes after this record: the version reflects it and goes out now; a burst of task ends
                // within the interval folds into the version at the next batch's end instead
                batch.versionClose = true;
                batch.closing = true;
            }
        } catch (ModelLimitException e) {
            if (!partition.models().contains(model)) {
                homes.remove(model, partition.topicPartition());
            }
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
            park(partition, model, e);
            reject(record, new Rejection(model, RejectReason.MODEL_PARKED, "Expected model " + model + " to learn from this record; "
                    + "its learner failed with " + e + ", so the model is parked and its records are set aside until the instance "
                    + "restarts.", idOf(decoded)));
        }
        return model;
    }

    private static String idOf(IngestRecord record) {
        return record instanceof IngestRecord.Labelled labelled ? labelled.example().id() : null;
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
    private void park(OwnedPartition partition, String model, Throwable e) {
        LOG.error("Model {} is parked after an unexpected error; its records are dead-lettered as model_parked until restart", model, e);
        parked.put(model, new Parked(model, e.toString(), java.time.Instant.now()));
        partition.currentTasks().remove(model);
        partition.models().remove(model);
        partition.changed().remove(model);
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

    /** Moves every owned partition back to its last committed offset, so nothing is skipped. */
    private void rewind() {
        try {
            Set<TopicPartition> assigned = consumer.assignment();
            Map<TopicPartition, OffsetAndMetadata> offsets = consumer.committed(assigned);
            for (TopicPartition tp : assigned) {
                OffsetAndMetadata offset = offsets.get(tp);
                OwnedPartition partition = owned.get(tp);
                if (offset != null) {
                    consumer.seek(tp, offset);
                    if (partition != null) {
                        partition.moveTo(offset.offset());
                    }
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
        loopState = State.WAITING_FOR_BROKER;
        Thread.sleep(backoff.toMillis());
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : doubled;
    }

    /**
     * Partitions come and go with the group (incremental rebalancing: only the partitions that
     * move are revoked). These run inside poll, which the loop also calls while a batch is open: a
     * revocation closes and commits that batch first.
     */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            pendingTakeOver.removeAll(partitions);
            OpenBatch open = batch;
            if (open != null && !partitions.isEmpty()) {
                try {
                    close(open); // the batch commits before its partitions are handed over
                } catch (RuntimeException | java.util.concurrent.ExecutionException e) {
                    LOG.warn("The batch open at the revocation of {} did not commit ({}); its models roll back", partitions, e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            boolean canWrite = clean() && outbox != null;
            boolean wrote = false;
            for (TopicPartition tp : partitions) {
                OwnedPartition partition = owned.remove(tp);
                if (partition == null) {
                    continue;
                }
                boolean snapshot = canWrite && !partition.replaying();
                try {
                    release(partition, snapshot);
                    wrote |= snapshot;
                } catch (RuntimeException e) {
                    LOG.warn("Could not snapshot {} before handing it over ({}); the next owner replays from the last snapshot",
                            tp, e.toString());
                    canWrite = false;
                }
            }
            if (wrote) {
                try {
                    outbox.commit(Map.of(), consumer); // the hand-over snapshots: the next owner replays nothing
                } catch (RuntimeException | java.util.concurrent.ExecutionException e) {
                    LOG.warn("The hand-over snapshots did not commit ({}); the next owner replays from the last snapshot", e.toString());
                    try {
                        outbox.abort();
                    } catch (RuntimeException abortFailed) {
                        outbox.discard();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (!partitions.isEmpty()) {
                LOG.info("Handed over {}", partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // thrown out of the group: another instance may own these already, so nothing is written
            LOG.warn("Lost {} (this instance left the group); their models are let go", partitions);
            OpenBatch open = batch;
            if (open != null) {
                // its offsets cannot commit any more: stop it, abort, and take the remaining partitions again
                try {
                    open.stopWorkers();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                open.closed = true;
                batch = null;
                open.resumePaused();
                failedBatch(new IllegalStateException("partitions " + partitions + " lost during a batch"));
            }
            pendingTakeOver.removeAll(partitions);
            for (TopicPartition tp : partitions) {
                release(owned.remove(tp), false);
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            LOG.info("Assigned {}", partitions);
            consumer.pause(partitions); // nothing is fetched before the models are restored
            pendingTakeOver.addAll(partitions);
            try {
                takeOverPending();
            } catch (RuntimeException e) {
                restoring = false;
                LOG.warn("Could not take {} over yet ({}); retrying before the next poll", pendingTakeOver, e.toString());
            }
        }
    }
}
