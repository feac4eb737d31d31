package io.engram.ingest;

import io.engram.learn.Example;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Avro records (schemas/example.avsc) against their JSON twins: the same record decodes to the
 * same example bit for bit, every dead-letter reason the decoder gives a JSON record it gives the
 * Avro record, and bytes that are not Avro of the schema are rejected without an exception.
 */
class AvroRecordsTest {

    private static final RecordDecoder DECODER = new RecordDecoder(new RecordDecoder.ModelShape(4,
            List.of("cat", "dog", "bird"), Optional.of(List.of("age", "height", "weight", "score"))), 1000);
    private static final JsonMapper LENIENT = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private static JsonNode json(String text) {
        try {
            return LENIENT.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static IngestRecord fromJson(String key, String text) {
        return DECODER.decode(key.getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8), false);
    }

    private static IngestRecord fromAvro(String key, String text) {
        return DECODER.decode(key.getBytes(StandardCharsets.UTF_8), AvroRecords.encode(json(text)), true);
    }

    @Test
    void shouldDecodeAvroToTheSameRecordsAsJson() {
        List<String> records = List.of(
                "{\"task\":\"perm-03\",\"x\":[0.1,0.5,-2.25,0.333],\"y\":2,\"id\":\"a\"}",
                "{\"task\":\"t\",\"x\":[1e-7,3.4e38,0,7],\"y\":0,\"split\":\"eval\"}",
                "{\"task\":\"t\",\"features\":{\"age\":0.3,\"score\":1.7},\"label\":\"dog\"}",
                "{\"type\":\"example\",\"task\":\"t\",\"x\":[0.1,0.2,0.3,0.4],\"label\":\"bird\",\"split\":\"train\"}",
                "{\"type\":\"task_end\",\"task\":\"perm-03\"}",
                "{\"type\":\"publish\"}");
        for (String record : records) {
            IngestRecord j = fromJson("m1", record);
            IngestRecord a = fromAvro("m1", record);
            assertThat(j).as(record).isNotInstanceOf(Rejection.class);
            if (j instanceof IngestRecord.Labelled jeL) {
                Example je = jeL.example();
                Example ae = ((IngestRecord.Labelled) a).example();
                assertThat(List.of(ae.model(), ae.task(), ae.label(), ae.split(), String.valueOf(ae.id())))
                        .as(record).isEqualTo(List.of(je.model(), je.task(), je.label(), je.split(), String.valueOf(je.id())));
                assertThat(bits(ae.x())).as("x of %s, bit for bit", record).isEqualTo(bits(je.x()));
            } else {
                assertThat(a).as(record).isEqualTo(j);
            }
        }
    }

    @Test
    void shouldGiveEveryRejectionTheReasonJsonGets() {
        Map<String, RejectReason> cases = new LinkedHashMap<>();
        cases.put("{\"x\":[0,0,0,0],\"y\":1,\"id\":\"no-task\"}", RejectReason.SCHEMA);
        cases.put("{\"task\":\"has space\",\"x\":[0,0,0,0],\"y\":1}", RejectReason.SCHEMA);
        cases.put("{\"task\":\"t\",\"x\":[0,0,0,0]}", RejectReason.SCHEMA);
        cases.put("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1,\"label\":\"cat\"}", RejectReason.SCHEMA);
        cases.put("{\"task\":\"t\",\"x\":[],\"y\":1}", RejectReason.SCHEMA);
        cases.put("{\"task\":\"t\",\"x\":[0,0,0,0],\"features\":{\"age\":1},\"y\":1}", RejectReason.SCHEMA);
        cases.put("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1,\"id\":\"" + "i".repeat(300) + "\"}", RejectReason.SCHEMA);
        cases.put("{\"type\":\"task_end\"}", RejectReason.SCHEMA);
        cases.put("{\"task\":\"t\",\"x\":[0,0,0],\"y\":1}", RejectReason.DIMENSION);
        cases.put("{\"task\":\"t\",\"x\":[0,NaN,0,0],\"y\":1}", RejectReason.NON_FINITE);
        cases.put("{\"task\":\"t\",\"x\":[0,1e39,0,0],\"y\":1}", RejectReason.NON_FINITE);
        cases.put("{\"task\":\"t\",\"features\":{\"age\":Infinity},\"y\":1}", RejectReason.NON_FINITE);
        cases.put("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":3}", RejectReason.UNKNOWN_LABEL);
        cases.put("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":-1}", RejectReason.UNKNOWN_LABEL);
        cases.put("{\"task\":\"t\",\"x\":[0,0,0,0],\"label\":\"Sneaker\"}", RejectReason.UNKNOWN_LABEL);
        cases.put("{\"task\":\"t\",\"features\":{\"shoe\":1},\"y\":1}", RejectReason.UNKNOWN_FEATURE);
        cases.put("{\"type\":\"retrain\",\"task\":\"t\"}", RejectReason.UNKNOWN_TYPE);
        cases.put("{\"task\":\"t\",\"x\":[" + "0.5,".repeat(299) + "0.5],\"y\":1}", RejectReason.TOO_LARGE);
        for (Map.Entry<String, RejectReason> c : cases.entrySet()) {
            IngestRecord j = fromJson("m1", c.getKey());
            IngestRecord a = fromAvro("m1", c.getKey());
            assertThat(j).as("JSON %s", c.getKey()).isInstanceOf(Rejection.class);
            assertThat(((Rejection) j).reason()).as("JSON %s", c.getKey()).isEqualTo(c.getValue());
            assertThat(a).as("Avro %s", c.getKey()).isInstanceOf(Rejection.class);
            assertThat(((Rejection) a).reason()).as("Avro %s", c.getKey()).isEqualTo(c.getValue());
            assertThat(((Rejection) a).message()).as("Avro %s", c.getKey()).startsWith("Expected");
        }
        // a bad key is judged before the value's format matters
        String good = "{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1}";
        IngestRecord badKeyJson = fromJson("model with spaces", good);
        IngestRecord badKeyAvro = fromAvro("model with spaces", good);
        assertThat(badKeyAvro).isInstanceOf(Rejection.class);
        assertThat(((Rejection) badKeyAvro).reason()).isEqualTo(((Rejection) badKeyJson).reason());
    }

    @Test
    void shouldRejectBytesThatAreNotAvroOfTheSchema() {
        byte[] valid = AvroRecords.encode(json("{\"task\":\"t\",\"x\":[0.1,0.2,0.3,0.4],\"y\":1,\"id\":\"v\"}"));
        byte[] garbage = new byte[64];
        new SplittableRandom(7).nextBytes(garbage);
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("empty", new byte[0]);
        bad.put("truncated", Arrays.copyOf(valid, valid.length - 3));
        bad.put("trailing byte", Arrays.copyOf(valid, valid.length + 1));
        bad.put("JSON text", "{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1}".getBytes(StandardCharsets.UTF_8));
        bad.put("garbage", garbage);
        // type "example", then union branch 5 for task
        bad.put("union branch", new byte[] {14, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 10});
        // type declares a 2^40-byte string
        bad.put("huge string", new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x40});
        // type declares a negative length
        bad.put("negative length", new byte[] {3, 'a'});
        for (Map.Entry<String, byte[]> b : bad.entrySet()) {
            IngestRecord r = DECODER.decode("m1".getBytes(StandardCharsets.UTF_8), b.getValue(), true);
            assertThat(r).as(b.getKey()).isInstanceOf(Rejection.class);
            assertThat(((Rejection) r).reason()).as(b.getKey()).isEqualTo(RejectReason.INVALID_JSON);
            assertThat(((Rejection) r).message()).as(b.getKey()).startsWith("Expected Avro binary of schemas/example.avsc");
        }
    }

    @Test
    void shouldNeverThrowOnMutatedAvro() {
        byte[] valid = AvroRecords.encode(json("{\"task\":\"t\",\"features\":{\"age\":0.5},\"label\":\"dog\",\"split\":\"eval\",\"id\":\"v\"}"));
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 5000; trial++) {
            byte[] mutated = Arrays.copyOf(valid, valid.length + random.nextInt(-3, 4));
            for (int flips = random.nextInt(1, 4); flips > 0; flips--) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            assertThat(DECODER.decode(null, mutated, true)).as("trial %d", trial).isNotNull();
        }
    }

    @Test
    void shouldReadTheContentTypeHeader() {
        RecordHeaders avro = new RecordHeaders();
        avro.add("content-type", "application/avro".getBytes(StandardCharsets.UTF_8));
        RecordHeaders withParameter = new RecordHeaders();
        withParameter.add("Content-Type", "Application/Avro; charset=binary".getBytes(StandardCharsets.UTF_8));
        RecordHeaders json = new RecordHeaders();
        json.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        assertThat(AvroRecords.isAvro(avro)).isTrue();
        assertThat(AvroRecords.isAvro(withParameter)).isTrue();
        assertThat(AvroRecords.isAvro(json)).isFalse();
        assertThat(AvroRecords.isAvro(new RecordHeaders())).isFalse();
        assertThat(AvroRecords.isAvro(null)).isFalse();
    }

    @Test
    void encode_refusesFieldsTheSchemaLacks() {
        assertThatThrownBy(() -> AvroRecords.encode(json("{\"task\":\"t\",\"pad\":1}"))).hasMessageContaining("no field \"pad\"");
    }

    private static final RecordDecoder.ModelShape SHAPE = new RecordDecoder.ModelShape(4,
            List.of("cat", "dog", "bird"), Optional.of(List.of("age", "height", "weight", "score")));
    private static final RecordDecoder WIRE = new RecordDecoder(SHAPE, 1000,
            new AvroRecords.RegistryWireFormat(true, OptionalInt.empty()));
    private static final RecordDecoder WIRE_ID_7 = new RecordDecoder(SHAPE, 1000,
            new AvroRecords.RegistryWireFormat(true, OptionalInt.of(7)));

    /** The schema-registry wire format, written by hand: byte 0, the id big-endian, the Avro binary. */
    private static byte[] wire(int schemaId, byte[] avro) {
        return ByteBuffer.allocate(5 + avro.length).put((byte) 0).putInt(schemaId).put(avro).array();
    }

    @Test
    void shouldDecodeTheRegistryWireFormatAsTheHeaderedAvroAndKeepJsonWorking() {
        List<String> records = List.of(
                "{\"task\":\"perm-03\",\"x\":[0.1,0.5,-2.25,0.333],\"y\":2,\"id\":\"a\"}",
                "{\"task\":\"t\",\"features\":{\"age\":0.3,\"score\":1.7},\"label\":\"dog\",\"split\":\"eval\"}",
                "{\"type\":\"task_end\",\"task\":\"perm-03\"}",
                "{\"type\":\"publish\"}");
        byte[] key = "m1".getBytes(StandardCharsets.UTF_8);
        for (String record : records) {
            byte[] avro = AvroRecords.encode(json(record));
            IngestRecord headered = DECODER.decode(key, avro, true);
            for (IngestRecord r : List.of(WIRE.decode(key, wire(7, avro), false), WIRE_ID_7.decode(key, wire(7, avro), false),
                    WIRE.decode(key, wire(-1, avro), false), WIRE.decode(key, avro, true))) {
                assertThat(r).as(record).isNotInstanceOf(Rejection.class);
                if (headered instanceof IngestRecord.Labelled heL) {
                Example he = heL.example();
                    Example we = ((IngestRecord.Labelled) r).example();
                    assertThat(List.of(we.model(), we.task(), we.label(), we.split(), String.valueOf(we.id())))
                            .as(record).isEqualTo(List.of(he.model(), he.task(), he.label(), he.split(), String.valueOf(he.id())));
                    assertThat(bits(we.x())).as("x of %s, bit for bit", record).isEqualTo(bits(he.x()));
                } else {
                    assertThat(r).as(record).isEqualTo(headered);
                }
            }
            // JSON, with or without leading whitespace, is still JSON when the wire format is on
            for (String text : List.of(record, " \n\t" + record)) {
                IngestRecord j = DECODER.decode(key, text.getBytes(StandardCharsets.UTF_8), false);
                IngestRecord w = WIRE.decode(key, text.getBytes(StandardCharsets.UTF_8), false);
                assertThat(w).as(text).isNotInstanceOf(Rejection.class);
                assertThat(w.getClass()).as(text).isEqualTo(j.getClass());
                if (j instanceof IngestRecord.Labelled jeL) {
                Example je = jeL.example();
                    assertThat(bits(((IngestRecord.Labelled) w).example().x())).as(text).isEqualTo(bits(je.x()));
                } else {
                    assertThat(w).as(text).isEqualTo(j);
                }
            }
        }
    }

    @Test
    void shouldDeadLetterBadWireFormatPrefixesAsInvalidJson() {
        byte[] avro = AvroRecords.encode(json("{\"task\":\"t\",\"x\":[0.1,0.2,0.3,0.4],\"y\":1,\"id\":\"v\"}"));
        byte[] valid = wire(7, avro);
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("magic byte alone", new byte[] {0});
        bad.put("prefix cut after 3 bytes", Arrays.copyOf(valid, 3));
        bad.put("prefix and no record", Arrays.copyOf(valid, 5));
        bad.put("record cut short", Arrays.copyOf(valid, valid.length - 3));
        bad.put("trailing byte", Arrays.copyOf(valid, valid.length + 1));
        bad.put("JSON after the prefix", wire(7, "{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1}".getBytes(StandardCharsets.UTF_8)));
        bad.put("no prefix: Avro without the header", avro);
        for (Map.Entry<String, byte[]> b : bad.entrySet()) {
            IngestRecord r = WIRE.decode("m1".getBytes(StandardCharsets.UTF_8), b.getValue(), false);
            assertThat(r).as(b.getKey()).isInstanceOf(Rejection.class);
            assertThat(((Rejection) r).reason()).as(b.getKey()).isEqualTo(RejectReason.INVALID_JSON);
            assertThat(((Rejection) r).message()).as(b.getKey()).startsWith("Expected");
        }
        assertThat(((Rejection) WIRE.decode(null, Arrays.copyOf(valid, 3), false)).message())
                .startsWith("Expected Avro binary of schemas/example.avsc (schema-registry wire format").contains("5-byte prefix (3 bytes)");
        IngestRecord otherId = WIRE_ID_7.decode(null, wire(8, avro), false);
        assertThat(((Rejection) otherId).reason()).isEqualTo(RejectReason.INVALID_JSON);
        assertThat(((Rejection) otherId).message()).contains("schema id is 8").contains("engram.ingest.avro-registry-schema-id");
        // with the format off (the default), the same bytes are a value that is not JSON
        IngestRecord off = DECODER.decode(null, valid, false);
        assertThat(((Rejection) off).reason()).isEqualTo(RejectReason.INVALID_JSON);
        assertThat(((Rejection) off).message()).startsWith("Expected a JSON object");
    }

    @Test
    void shouldNeverThrowOnMutatedWireFormat() {
        byte[] valid = wire(3, AvroRecords.encode(json("{\"task\":\"t\",\"features\":{\"age\":0.5},\"label\":\"dog\",\"id\":\"v\"}")));
        SplittableRandom random = new SplittableRandom(13);
        for (int trial = 0; trial < 5000; trial++) {
            byte[] mutated = Arrays.copyOf(valid, random.nextInt(1, valid.length + 4));
            for (int flips = random.nextInt(0, 4); flips > 0; flips--) {
                mutated[random.nextInt(1, mutated.length > 1 ? mutated.length : 2) % mutated.length] = (byte) random.nextInt(256);
            }
            assertThat(WIRE_ID_7.decode(null, mutated, false)).as("trial %d", trial).isNotNull();
            assertThat(WIRE.decode(null, mutated, false)).as("trial %d", trial).isNotNull();
        }
    }

    private static int[] bits(float[] x) {
        int[] bits = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            bits[i] = Float.floatToRawIntBits(x[i]);
        }
        return bits;
    }
}
