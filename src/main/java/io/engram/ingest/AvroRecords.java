package io.engram.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Records on {@code engram.examples} as Avro binary of {@code schemas/example.avsc}, chosen by the
 * Kafka header {@code content-type: application/avro}. A record is read into the same form the JSON
 * reader produces (a tree with a one-number stand-in for {@code x}, the numbers of {@code x} beside
 * it), so every later check, and every dead-letter reason, is the one JSON records get.
 *
 * <p>Implementation notes: the reader walks the schema's fields in order with Apache Avro's
 * {@link BinaryDecoder} instead of a {@code GenericDatumReader}: {@code x} lands in a float buffer
 * with no boxing, and no length read from the bytes allocates more than the record's own size (a
 * generic reader sizes arrays and strings from the declared counts). {@link #FIELDS} is checked
 * against the schema file when the reader is built, so the two cannot drift apart.
 */
public final class AvroRecords {

    /** The Kafka header that selects the record format. */
    public static final String CONTENT_TYPE = "content-type";
    /** Its value for Avro binary. */
    public static final String AVRO = "application/avro";
    /** The fields of schemas/example.avsc, in order; each but {@code type} is a union with null first. */
    static final List<String> FIELDS = List.of("type", "task", "x", "features", "y", "label", "split", "id");
    private static final String[] SPLITS = {"train", "eval"};

    /** The parsed schemas/example.avsc. */
    public static final Schema SCHEMA = load();

    private final DecoderFactory decoders = DecoderFactory.get();

    AvroRecords() {
        List<String> names = SCHEMA.getFields().stream().map(Schema.Field::name).toList();
        if (!names.equals(FIELDS)) {
            throw new IllegalStateException("schemas/example.avsc has fields " + names + "; the Avro reader reads " + FIELDS);
        }
    }

    /** Whether a record's headers say it is Avro binary ({@code content-type: application/avro}, parameters ignored). */
    public static boolean isAvro(Headers headers) {
        if (headers == null) {
            return false;
        }
        for (Header h : headers) {
            if (h.key().equalsIgnoreCase(CONTENT_TYPE) && h.value() != null) {
                String value = new String(h.value(), StandardCharsets.UTF_8);
                int semicolon = value.indexOf(';');
                return (semicolon < 0 ? value : value.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT).equals(AVRO);
            }
        }
        return false;
    }

    /**
     * The schema-registry wire format of Confluent's serializers ({@code engram.ingest.avro-registry-wire-format}):
     * the magic byte 0, a 4-byte big-endian schema id, then Avro binary. No registry is asked: the
     * writer schema is taken to be schemas/example.avsc whatever the id, unless {@code schemaId}
     * ({@code engram.ingest.avro-registry-schema-id}) names the one id accepted. A JSON record
     * starts with {@code {} or whitespace, never with byte 0, so both formats share the topic.
     */
    public record RegistryWireFormat(boolean enabled, OptionalInt schemaId) {
        /** Off: every record without the content-type header is JSON. */
        public static final RegistryWireFormat OFF = new RegistryWireFormat(false, OptionalInt.empty());
        static final byte MAGIC = 0;
        /** The magic byte and the schema id. */
        static final int PREFIX_BYTES = 5;

        /** Whether {@code value} is in this format: it is enabled and the value starts with the magic byte. */
        boolean claims(byte[] value) {
            return enabled && value.length > 0 && value[0] == MAGIC;
        }

        /** Checks the prefix of a claimed value; the Avro binary follows it. */
        void checkPrefix(byte[] value) throws InvalidAvroException {
            if (value.length < PREFIX_BYTES) {
                throw new InvalidAvroException("the value ends inside the 5-byte prefix (" + value.length + " bytes)");
            }
            int id = ((value[1] & 0xff) << 24) | ((value[2] & 0xff) << 16) | ((value[3] & 0xff) << 8) | (value[4] & 0xff);
            if (schemaId.isPresent() && id != schemaId.getAsInt()) {
                throw new InvalidAvroException("the schema id is " + Integer.toUnsignedString(id)
                        + ", the only one accepted is " + schemaId.getAsInt() + " (engram.ingest.avro-registry-schema-id)");
            }
        }
    }

    /** Bytes that are not Avro binary of schemas/example.avsc; the message says what was found. */
    static final class InvalidAvroException extends Exception {
        InvalidAvroException(String message) {
            super(message);
        }
    }

    /**
     * Reads one record: the tree the JSON reader would have built (absent fields for nulls), with
     * the numbers of {@code x} in {@code dense}.
     */
    JsonNode read(byte[] value, RecordDecoder.DenseX dense) throws InvalidAvroException {
        return read(value, 0, dense);
    }

    /** As {@link #read(byte[], RecordDecoder.DenseX)}, of the bytes from {@code offset} on. */
    JsonNode read(byte[] bytes, int offset, RecordDecoder.DenseX dense) throws InvalidAvroException {
        BinaryDecoder in = decoders.binaryDecoder(bytes, offset, bytes.length - offset, null);
        int size = bytes.length - offset; // lengths read from the record are checked against its size
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        try {
            root.put("type", string(in, size, "type"));
            if (present(in, "task")) {
                root.put("task", string(in, size, "task"));
            }
            if (present(in, "x")) {
                dense.present = true;
                dense.count = 0;
                dense.notNumberAt = -1;
                for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
                    if (n <= size / Float.BYTES) {
                        dense.reserve((int) n); // a larger count cannot be read from this record and fails below
                    }
                    for (long i = 0; i < n; i++) {
                        dense.add(in.readFloat());
                    }
                }
                var standIn = root.putArray("x");
                if (dense.count > 0) {
                    standIn.add(0);
                }
            }
            if (present(in, "features")) {
                ObjectNode features = root.putObject("features");
                for (long n = in.readMapStart(); n != 0; n = in.mapNext()) {
                    for (long i = 0; i < n; i++) {
                        String name = string(in, size, "a feature name");
                        features.put(name, in.readFloat());
                    }
                }
            }
            if (present(in, "y")) {
                root.put("y", in.readInt());
            }
            if (present(in, "label")) {
                root.put("label", string(in, size, "label"));
            }
            if (present(in, "split")) {
                int symbol = in.readEnum();
                if (symbol < 0 || symbol >= SPLITS.length) {
                    throw new InvalidAvroException("\"split\" has symbol index " + symbol + ", the schema has " + SPLITS.length);
                }
                root.put("split", SPLITS[symbol]);
            }
            if (present(in, "id")) {
                root.put("id", string(in, size, "id"));
            }
            if (!in.isEnd()) {
                throw new InvalidAvroException("bytes follow the end of the record");
            }
        } catch (IOException | AvroRuntimeException e) {
            throw new InvalidAvroException("the bytes end early or are malformed (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        return root;
    }

    /** Reads a union's branch: false for null (branch 0), true for the value (branch 1). */
    private static boolean present(BinaryDecoder in, String field) throws IOException, InvalidAvroException {
        int branch = in.readIndex();
        if (branch != 0 && branch != 1) {
            throw new InvalidAvroException("\"" + field + "\" has union branch " + branch + ", the schema has 0 (null) and 1");
        }
        return branch == 1;
    }

    /** A string whose declared length is checked against the record's size before anything is allocated. */
    private static String string(BinaryDecoder in, int recordBytes, String what) throws IOException, InvalidAvroException {
        long length = in.readLong();
        if (length < 0 || length > recordBytes) {
            throw new InvalidAvroException(what + " declares " + length + " bytes in a record of " + recordBytes);
        }
        byte[] bytes = new byte[(int) length];
        in.readFixed(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Avro binary of a record given as its JSON form (the fields of schemas/example.avsc; numbers
     * become 32-bit floats as the JSON reader makes them), written with Avro's generic writer.
     *
     * @throws IllegalArgumentException for a field the schema does not have or a value of the wrong kind
     */
    public static byte[] encode(JsonNode json) {
        GenericRecord record = new GenericData.Record(SCHEMA);
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException("schemas/example.avsc has no field \"" + field + "\"; its fields: " + FIELDS);
            }
        }
        record.put("type", json.path("type").asText("example"));
        text(json, "task", record);
        if (json.hasNonNull("x")) {
            List<Float> x = new ArrayList<>(json.get("x").size());
            json.get("x").forEach(v -> x.add(number(v, "x")));
            record.put("x", x);
        }
        if (json.hasNonNull("features")) {
            Map<String, Float> features = new HashMap<>();
            json.get("features").fields().forEachRemaining(e -> features.put(e.getKey(), number(e.getValue(), "features")));
            record.put("features", features);
        }
        if (json.hasNonNull("y")) {
            if (!json.get("y").canConvertToInt() || !json.get("y").isIntegralNumber()) {
                throw new IllegalArgumentException("\"y\" must be an integer, found " + json.get("y"));
            }
            record.put("y", json.get("y").asInt());
        }
        text(json, "label", record);
        if (json.hasNonNull("split")) {
            record.put("split", new GenericData.EnumSymbol(SCHEMA.getField("split").schema().getTypes().get(1), json.get("split").asText()));
        }
        text(json, "id", record);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<GenericRecord>(SCHEMA).write(record, encoder);
            encoder.flush();
        } catch (IOException | AvroRuntimeException e) {
            throw new IllegalArgumentException("not a record of schemas/example.avsc: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private static void text(JsonNode json, String field, GenericRecord record) {
        if (json.hasNonNull(field)) {
            record.put(field, json.get(field).asText());
        }
    }

    private static Float number(JsonNode v, String field) {
        if (!v.isNumber()) {
            throw new IllegalArgumentException("\"" + field + "\" must hold numbers, found " + v);
        }
        return (float) v.asDouble();
    }

    private static Schema load() {
        try (InputStream in = AvroRecords.class.getResourceAsStream("/schemas/example.avsc")) {
            if (in == null) {
                throw new IllegalStateException("schemas/example.avsc is missing from the classpath");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
