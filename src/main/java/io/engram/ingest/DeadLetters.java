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
        outbox.send(new ProducerRecord<>(topic, null, original.key(), original.value(), headers));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
