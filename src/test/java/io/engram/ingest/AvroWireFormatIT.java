package io.engram.ingest;

import static io.engram.support.TestRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaAccess;
import io.engram.network.Dl4jModels;
import io.engram.publish.Pull;
import io.engram.support.Await;
import io.engram.support.TestRecords;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Avro in the schema-registry wire format (engram.ingest.avro-registry-wire-format=true) through
 * the real broker: the same stream sent with the content-type header and in the wire format (no
 * header) gives the same model bit for bit, JSON records keep working beside it, and bad prefixes
 * are dead-lettered as {@code invalid_json} with their original bytes.
 */
@QuarkusTest
@TestProfile(AvroWireFormatIT.WireFormatOn.class)
class AvroWireFormatIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The service reading the wire format. */
    public static class WireFormatOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("engram.ingest.avro-registry-wire-format", "true");
        }
    }

    @Inject
    KafkaAccess kafka;

    @Test
    void shouldLearnTheSameModelFromTheWireFormatAsFromTheHeader() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String headerModel = "hdr-" + suffix;
        String wireModel = "wire-" + suffix;
        String jsonModel = "json-" + suffix;
        List<String> stream = AvroIngestIT.stream();
        List<byte[]> avro = new ArrayList<>();
        List<byte[]> wire = new ArrayList<>();
        for (String record : stream) {
            byte[] bytes = AvroRecords.encode(JSON.readTree(record));
            avro.add(bytes);
            wire.add(wire(42, bytes));
        }
        assertThat(wire.get(0)[0]).isZero();
        int from = 0;
        int versions = 0;
        for (int i = 0; i < stream.size(); i++) {
            if (stream.get(i).contains("\"task_end\"")) {
                produce(headerModel, avro.subList(from, i + 1), true);
                produce(wireModel, wire.subList(from, i + 1), false);
                produce(jsonModel, stream.subList(from, i + 1).stream().map(s -> utf8(s)).toList(), false);
                int expected = ++versions;
                for (String model : List.of(headerModel, wireModel, jsonModel)) {
                    Await.until(WAIT, expected + " versions of " + model, () -> versions(model) == expected, () -> versions(model));
                }
                from = i + 1;
            }
        }
        for (String version : List.of("1", "2")) {
            float[] fromHeader = parameters(headerModel, version);
            for (String other : List.of(wireModel, jsonModel)) {
                float[] p = parameters(other, version);
                assertThat(p).hasSameSizeAs(fromHeader);
                for (int i = 0; i < p.length; i++) {
                    assertThat(Float.floatToRawIntBits(p[i])).as("%s version %s, parameter %d: %s vs %s", other, version, i, p[i], fromHeader[i])
                            .isEqualTo(Float.floatToRawIntBits(fromHeader[i]));
                }
            }
        }
    }

    @Test
    void shouldDeadLetterBadPrefixesAsInvalidJson() throws Exception {
        String model = "wire-bad-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] valid = wire(42, AvroRecords.encode(JSON.readTree("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1}")));
        List<byte[]> values = List.of(new byte[] {0}, java.util.Arrays.copyOf(valid, 4), java.util.Arrays.copyOf(valid, valid.length - 2),
                wire(42, utf8("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1}")));
        List<Long> offsets = produce(model, values, false);
        Map<Long, ConsumerRecord<byte[], byte[]>> letters = new HashMap<>();
        Await.until(WAIT, values.size() + " dead letters of " + model, () -> {
            letters.clear();
            for (ConsumerRecord<byte[], byte[]> r : TestRecords.readAll(kafka.clients(), kafka.topics().deadLetters())) {
                if (r.key() != null && new String(r.key()).equals(model)) {
                    letters.put(Long.parseLong(TestRecords.header(r, DeadLetters.OFFSET)), r);
                }
            }
            return letters.size() == values.size();
        }, letters::keySet);
        for (int i = 0; i < values.size(); i++) {
            ConsumerRecord<byte[], byte[]> letter = letters.get(offsets.get(i));
            assertThat(TestRecords.header(letter, DeadLetters.REASON)).as("record %d", i).isEqualTo("invalid_json");
            assertThat(letter.value()).as("original bytes of record %d", i).isEqualTo(values.get(i));
            assertThat(TestRecords.header(letter, DeadLetters.MESSAGE)).as("record %d", i)
                    .startsWith("Expected Avro binary of schemas/example.avsc (schema-registry wire format");
        }
    }

    /** Byte 0, the schema id big-endian, the Avro binary: what Confluent's Avro serializer writes. */
    private static byte[] wire(int schemaId, byte[] avro) {
        return ByteBuffer.allocate(5 + avro.length).put((byte) 0).putInt(schemaId).put(avro).array();
    }

    private float[] parameters(String model, String version) throws Exception {
        return Dl4jModels.read(new ByteArrayInputStream(Pull.pull(kafka.clients(), kafka.topics(), model, version).artifact())).parameters();
    }

    private long versions(String model) {
        return io.engram.publish.ModelTopics.readLatest(kafka.clients(), kafka.topics().models(), k -> k.startsWith(model + ":"))
                .keySet().stream().filter(k -> !k.contains(":@")).count();
    }

    private List<Long> produce(String model, List<byte[]> values, boolean header) throws Exception {
        List<Long> offsets = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer("wire-test-producer")) {
            for (byte[] value : values) {
                RecordHeaders headers = new RecordHeaders();
                if (header) {
                    headers.add(AvroRecords.CONTENT_TYPE, utf8(AvroRecords.AVRO));
                }
                offsets.add(producer.send(new ProducerRecord<>(kafka.topics().examples(), null, utf8(model), value, headers))
                        .get(30, TimeUnit.SECONDS).offset());
            }
        }
        return offsets;
    }
}
