package io.engram.ingest;

import io.engram.broker.Outbox;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes unusable records to the dead-letter topic: the original key and value byte for byte,
 * with the {@code engram.error.*} headers of docs/contract.md, through the outbox, so a dead letter is
 * committed together with the offset of its record.
 */
final class DeadLetters {

    static final String REASON = "engram.error.reason";
    static final String MESSAGE = "engram.error.message";
    static final String TOPIC = "engram.error.topic";
    static final String PARTITION = "engram.error.partition";
    static final String OFFSET = "engram.error.offset";
    /** Present when the value was cut to fit the output bound: the original length in bytes. */
    static final String TRUNCATED = "engram.error.truncated";

    private final Outbox outbox;
    private final String topic;

    DeadLetters(Outbox outbox, String topic) {
        this.outbox = outbox;
        this.topic = topic;
    }

    void send(ConsumerRecord<byte[], byte[]> original, Rejection rejection) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, utf8(rejection.reason().code()));
        headers.add(MESSAGE, utf8(rejection.message()));
        headers.add(TOPIC, utf8(original.topic()));
        headers.add(PARTITION, utf8(Integer.toString(original.partition())));
        headers.add(OFFSET, utf8(Long.toString(original.offset())));
        if (original.headers() != null && original.headers().lastHeader(AvroRecords.CONTENT_TYPE) != null) {
            headers.add(original.headers().lastHeader(AvroRecords.CONTENT_TYPE)); // the value's format travels with it
        }
        byte[] value = original.value();
        int overhead = (original.key() == null ? 0 : original.key().length) + 64;
        for (org.apache.kafka.common.header.Header h : headers) {
            overhead += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        if (value != null && value.length + overhead > outbox.maxOutputBytes()) {
            // a value the broker took but our output bound cannot carry (too_large records near 1 MiB): its head only
            headers.add(TRUNCATED, utf8(Integer.toString(value.length)));
            value = java.util.Arrays.copyOf(value, Math.max(0, outbox.maxOutputBytes() - overhead - 32));
        }
        outbox.send(new ProducerRecord<>(topic, null, original.key(), value, headers));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
