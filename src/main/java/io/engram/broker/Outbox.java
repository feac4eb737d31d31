package io.engram.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Everything the service writes while handling a batch of consumed records (dead letters, metrics
 * events, model versions) goes through one outbox, committed together with the offsets of that
 * batch.
 *
 * <p>Transactional (the service): the first send of a batch begins a Kafka transaction;
 * {@link #commit} adds the consumed offsets to it ({@code sendOffsetsToTransaction}) and commits,
 * so a {@code read_committed} reader sees a batch's outputs exactly once or, if the process dies
 * first, never, and the offsets move only with them. Plain (tests of the ingest loop alone):
 * sends are awaited, then the consumer commits the offsets.
 *
 * <p>Thread-safe: the partition workers of one batch send through it at once; the loop's thread
 * commits or aborts after they finished. Suppression is per thread, because one partition may be
 * replaying while another is not.
 */
public final class Outbox {

    private final Producer<byte[], byte[]> producer;
    private final boolean transactional;
    private final List<Future<RecordMetadata>> pending = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Runnable> afterCommit = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Runnable> afterAbort = java.util.Collections.synchronizedList(new ArrayList<>());
    private final int maxOutputBytes;
    private volatile boolean open;
    private final ThreadLocal<Boolean> suppressed = ThreadLocal.withInitial(() -> false);
    private volatile boolean discarded;
    private volatile long openedAtNanos;

    /** The default bound on one output record, under the broker's default 1 MiB message limit. */
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 1_000_000;

    /** An output record larger than the bound: a bug in what the service builds, never sent. */
    public static final class OutputTooLargeException extends IllegalStateException {
        public OutputTooLargeException(String message) {
            super(message);
        }
    }

    /** A transactional outbox; the producer must have a {@code transactional.id}. */
    public static Outbox transactional(Producer<byte[], byte[]> producer) {
        return transactional(producer, DEFAULT_MAX_OUTPUT_BYTES);
    }

    /** A transactional outbox that refuses records over {@code maxOutputBytes} (key, value and headers). */
    public static Outbox transactional(Producer<byte[], byte[]> producer, int maxOutputBytes) {
        producer.initTransactions();
        return new Outbox(producer, true, maxOutputBytes);
    }

    /** An outbox whose offsets the consumer commits after the sends are acknowledged. */
    public static Outbox plain(Producer<byte[], byte[]> producer) {
        return new Outbox(producer, false, DEFAULT_MAX_OUTPUT_BYTES);
    }

    private Outbox(Producer<byte[], byte[]> producer, boolean transactional, int maxOutputBytes) {
        this.producer = producer;
        this.transactional = transactional;
        this.maxOutputBytes = maxOutputBytes;
    }

    /**
     * Lets go of the producer after it was fenced or entered an error state: it is closed without
     * waiting, and the owner of the outbox makes a new one.
     */
    public synchronized void discard() {
        discarded = true;
        open = false;
        pending.clear();
        afterCommit.clear();
        List<Runnable> aborted;
        synchronized (afterAbort) {
            aborted = new ArrayList<>(afterAbort);
        }
        afterAbort.clear();
        aborted.forEach(Runnable::run);
        try {
            producer.close(java.time.Duration.ZERO);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Outbox.class).debug("Closing a discarded producer: {}", e.toString());
        }
    }

    public boolean discarded() {
        return discarded;
    }

    /** The largest record this outbox sends (key, value and headers). */
    public int maxOutputBytes() {
        return maxOutputBytes;
    }

    /** How long the open transaction has been open; 0 when none is. */
    public long transactionAgeNanos() {
        return open ? System.nanoTime() - openedAtNanos : 0;
    }

    private synchronized void begin() {
        if (open) {
            return;
        }
        producer.beginTransaction();
        open = true;
        openedAtNanos = System.nanoTime();
    }

    /**
     * While suppressed, sends of the calling thread are dropped: the records it handles are replayed
     * after a restart or a move to rebuild state, and their outputs were already committed before.
     */
    public void suppress(boolean suppress) {
        this.suppressed.set(suppress);
    }

    /** Whether sends of the calling thread are dropped. */
    public boolean suppressed() {
        return suppressed.get();
    }

    /** Sends a record as part of the current batch (dropped while {@link #suppress suppressed}). */
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        if (suppressed.get()) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        int size = (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        for (org.apache.kafka.common.header.Header h : record.headers()) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        if (size > maxOutputBytes) {
            throw new OutputTooLargeException("An output record for " + record.topic() + " has " + size + " bytes, more than "
                    + maxOutputBytes + " (engram.publish.max-output-bytes); it is not sent");
        }
        if (transactional && !open) {
            begin();
        }
        Future<RecordMetadata> future = producer.send(record);
        pending.add(future);
        return future;
    }

    /** Runs {@code action} once the current batch commits (e.g. make a published version visible over HTTP). */
    public void afterCommit(Runnable action) {
        afterCommit.add(action);
    }

    /** Runs {@code action} if the current batch is aborted (e.g. give back a version number). */
    public void afterAbort(Runnable action) {
        afterAbort.add(action);
    }

    private void finish(List<Runnable> actions) {
        List<Runnable> run;
        synchronized (actions) {
            run = new ArrayList<>(actions);
        }
        afterCommit.clear();
        afterAbort.clear();
        run.forEach(Runnable::run);
    }

    /**
     * Commits the batch: its outputs and the next offsets to read, atomically when transactional.
     *
     * @throws ExecutionException when an output was not acknowledged (plain mode)
     */
    public void commit(Map<TopicPartition, OffsetAndMetadata> offsets, Consumer<byte[], byte[]> consumer)
            throws ExecutionException, InterruptedException {
        if (offsets.isEmpty() && !open) {
            finish(afterCommit); // a batch of replayed records only: nothing to write, offsets already committed
            return;
        }
        if (transactional) {
            if (!open) {
                begin();
            }
            if (!offsets.isEmpty()) {
                org.apache.kafka.clients.consumer.ConsumerGroupMetadata group = consumer.groupMetadata();
                retryWhileTimingOut(() -> producer.sendOffsetsToTransaction(offsets, group), "sending offsets");
            }
            // a commit that timed out must be retried, not aborted: the broker may have committed it already
            retryWhileTimingOut(producer::commitTransaction, "committing");
            open = false;
            pending.clear();
            finish(afterCommit);
        } else {
            try {
                producer.flush();
                for (Future<RecordMetadata> f : List.copyOf(pending)) {
                    f.get();
                }
            } finally {
                pending.clear();
            }
            consumer.commitSync(offsets);
            finish(afterCommit);
        }
    }

    /** Drops the batch's outputs (transactional) so the batch can be handled again. */
    public void abort() {
        pending.clear();
        try {
            if (transactional && open) {
                retryWhileTimingOut(producer::abortTransaction, "aborting");
                open = false;
            }
        } finally {
            finish(afterAbort);
        }
    }

    /** While false, timed-out transaction calls are not retried any more (shutting down). */
    public void keepTrying(java.util.function.BooleanSupplier keepTrying) {
        this.keepTrying = keepTrying;
    }

    private java.util.function.BooleanSupplier keepTrying = () -> true;

    /**
     * Runs a transaction call, retrying it after a timeout (the broker is away): Kafka requires a
     * timed-out commit or abort to be called again, and the batch cannot go on without it.
     */
    private void retryWhileTimingOut(Runnable call, String what) {
        long backoff = 500;
        while (true) {
            try {
                call.run();
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (!keepTrying.getAsBoolean()) {
                    throw e;
                }
                org.slf4j.LoggerFactory.getLogger(Outbox.class).warn("Kafka did not answer while {} the transaction; retrying in {} ms", what, backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }
}
