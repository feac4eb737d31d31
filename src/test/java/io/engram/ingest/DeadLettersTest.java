package io.engram.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.engram.broker.Outbox;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** A dead letter keeps the original bytes, and only a value beyond the output bound is cut (and says so). */
class DeadLettersTest {

    private static ProducerRecord<byte[], byte[]> letterFor(byte[] value) {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        DeadLetters letters = new DeadLetters(Outbox.plain(producer), "dlq");
        ConsumerRecord<byte[], byte[]> original = new ConsumerRecord<>("examples", 0, 7, "m".getBytes(StandardCharsets.UTF_8), value);
        letters.send(original, new Rejection("m", RejectReason.TOO_LARGE, "too large", null));
        return producer.history().get(0);
    }

    @Test
    void aValueThatFits_isKeptByteForByte() {
        byte[] value = new byte[600_000];
        value[599_999] = 9;
        ProducerRecord<byte[], byte[]> letter = letterFor(value);
        assertThat(letter.value()).isEqualTo(value);
        assertThat(letter.headers().lastHeader("engram.error.truncated")).isNull();
    }

    @Test
    void aValueBeyondTheOutputBound_isCut_andTheLetterSaysHowLongItWas() {
        byte[] value = new byte[1_000_100]; // the broker takes it (1 MiB limit); our outputs stop at 1,000,000 bytes
        value[0] = 42;
        ProducerRecord<byte[], byte[]> letter = letterFor(value);
        int size = letter.key().length + letter.value().length;
        for (var h : letter.headers()) {
            size += h.key().length() + h.value().length;
        }
        assertThat(size).as("the whole letter fits the output bound").isLessThanOrEqualTo(Outbox.DEFAULT_MAX_OUTPUT_BYTES);
        assertThat(letter.value().length).isGreaterThan(900_000);
        assertThat(letter.value()[0]).isEqualTo((byte) 42);
        assertThat(new String(letter.headers().lastHeader("engram.error.truncated").value(), StandardCharsets.UTF_8)).isEqualTo("1000100");
        assertThat(new String(letter.headers().lastHeader("engram.error.reason").value(), StandardCharsets.UTF_8)).isEqualTo("too_large");
    }
}
