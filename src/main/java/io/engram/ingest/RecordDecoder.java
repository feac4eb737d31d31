package io.engram.ingest;

import io.engram.learn.Example;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns the bytes of one record on {@code engram.examples} into an {@link IngestRecord}.
 * Checks, in order: size ({@code too_large}), JSON ({@code invalid_json}), {@code type}
 * ({@code unknown_type}), the JSON Schema of that type in {@code schemas/} ({@code schema}), then
 * what a schema cannot express: the input size ({@code dimension}), finite values
 * ({@code non_finite}), known labels and feature names. Never throws on bad input.
 *
 * <p>Thread-safe: the schemas and the mapper are immutable once built.
 */
public final class RecordDecoder {

    /** The model id when a record has no key. */
    public static final String DEFAULT_MODEL = "default";
    /** Model ids: {@code :} is not allowed, it separates the parts of output keys ({@code <model>:<version>:<index>}). */
    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final int MAX_SCHEMA_MESSAGES = 3;

    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // NaN and Infinity become non_finite, not invalid_json
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Jackson's bundled FastDoubleParser: the same correctly rounded values as Double.parseDouble, in a
            // fraction of the time (784 numbers a record)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();
    /** Reads one field's value in the middle of an object (the whole-record reader rejects what follows it). */
    private final com.fasterxml.jackson.databind.ObjectReader fieldReader = mapper.reader()
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final JsonSchema exampleSchema;
    private final JsonSchema controlSchema;
    private final ModelShape shape;
    private final int maxRecordBytes;
    private final AvroRecords avroReader = new AvroRecords();
    private final AvroRecords.RegistryWireFormat registryWire;

    /**
     * What a record must fit.
     *
     * @param features feature names in input order, or empty when only dense {@code x} is accepted
     */
    public record ModelShape(int inputSize, List<String> labels, Optional<List<String>> features, InputRange range) {

        public ModelShape(int inputSize, List<String> labels, Optional<List<String>> features) {
            this(inputSize, labels, features, InputRange.ANY);
        }

        int classes() {
            return labels.size();
        }
    }

    /** The values an input may take ({@code engram.ingest.input-min} / {@code input-max}); beyond them, {@code out_of_range}. */
    public record InputRange(double min, double max) {
        public static final InputRange ANY = new InputRange(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);

        boolean contains(float v) {
            return v >= min && v <= max;
        }

        String describe() {
            return "from " + min + " to " + max + " (engram.ingest.input-min, engram.ingest.input-max)";
        }
    }

    /** Whether {@code model} is a usable model id: 1..128 characters of {@code [A-Za-z0-9._-]}. */
    public static boolean validModelId(String model) {
        return MODEL_ID.matcher(model).matches();
    }

    public RecordDecoder(ModelShape shape, int maxRecordBytes) {
        this(shape, maxRecordBytes, AvroRecords.RegistryWireFormat.OFF);
    }

    /** A decoder that also reads Avro records in the schema-registry wire format when {@code registryWire} is enabled. */
    public RecordDecoder(ModelShape shape, int maxRecordBytes, AvroRecords.RegistryWireFormat registryWire) {
        this(shape, maxRecordBytes, registryWire, true);
    }

    private RecordDecoder(ModelShape shape, int maxRecordBytes, AvroRecords.RegistryWireFormat registryWire, boolean denseJson) {
        this.denseJson = denseJson;
        this.registryWire = registryWire;
        this.shape = shape;
        this.maxRecordBytes = maxRecordBytes;
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        this.exampleSchema = load(factory, "example.schema.json");
        this.controlSchema = load(factory, "control.schema.json");
        this.featureIndex = shape.features().map(RecordDecoder::indexOf).orElse(Map.of());
        this.labelIndex = indexOf(shape.labels());
    }

    private final Map<String, Integer> featureIndex;
    private final Map<String, Integer> labelIndex;
    /** Whether JSON's {@code "x"} is read by {@link DenseJson} when it can be (always, but in the test of that reader). */
    private final boolean denseJson;

    /** This decoder reading every JSON record with Jackson alone: the reference {@link DenseJson} is tested against. */
    RecordDecoder withoutDenseJson() {
        return new RecordDecoder(shape, maxRecordBytes, registryWire, false);
    }

    /** Decodes one JSON record; {@code key} and {@code value} may be null. */
    public IngestRecord decode(byte[] key, byte[] value) {
        return decode(key, value, false);
    }

    /**
     * Decodes one record: Avro binary of schemas/example.avsc when {@code avro} (the record's
     * {@code content-type} header, {@link AvroRecords#isAvro}), JSON otherwise. Bad Avro is
     * rejected as {@code invalid_json} is for JSON: the value cannot be parsed in its format.
     * Without the header, a value starting with byte 0 is Avro in the schema-registry wire format
     * when that is enabled ({@link AvroRecords.RegistryWireFormat}).
     */
    public IngestRecord decode(byte[] key, byte[] value, boolean avro) {
        String model = key == null || key.length == 0 ? DEFAULT_MODEL : new String(key, StandardCharsets.UTF_8);
        if (!validModelId(model)) {
            return new Rejection(model, RejectReason.INVALID_MODEL_ID,
                    "Expected the record key (the model id) to be 1..128 characters of [A-Za-z0-9._-] (':' separates the parts "
                            + "of output keys), found '" + abbreviate(printable(model)) + "' (" + key.length + " bytes).", null);
        }
        if ((value == null || value.length == 0) && avro) {
            return new Rejection(model, RejectReason.INVALID_JSON,
                    "Expected Avro binary of schemas/example.avsc (header content-type: application/avro), found an empty record value.", null);
        }
        if (value == null || value.length == 0) {
            return new Rejection(model, RejectReason.INVALID_JSON,
                    "Expected a JSON object, found an empty record value.", null);
        }
        if (value.length > maxRecordBytes) {
            return new Rejection(model, RejectReason.TOO_LARGE, "Expected at most " + maxRecordBytes
                    + " bytes (engram.ingest.max-record-bytes), found " + value.length + " bytes.", null);
        }
        JsonNode root;
        DenseX dense = new DenseX();
        dense.reserve(shape.inputSize()); // room for a record of the right size at once (grown by doubling it took 16 KB)
        boolean wire = !avro && registryWire.claims(value);
        try {
            if (wire) {
                registryWire.checkPrefix(value);
                root = avroReader.read(value, AvroRecords.RegistryWireFormat.PREFIX_BYTES, dense);
            } else {
                root = avro ? avroReader.read(value, dense) : read(value, dense);
            }
        } catch (AvroRecords.InvalidAvroException e) {
            return new Rejection(model, RejectReason.INVALID_JSON, "Expected Avro binary of schemas/example.avsc ("
                    + (wire ? "schema-registry wire format: byte 0, a 4-byte schema id, then the record; "
                    + "engram.ingest.avro-registry-wire-format" : "header content-type: application/avro")
                    + "), but " + e.getMessage() + ".", null);
        } catch (JsonProcessingException e) {
            return new Rejection(model, RejectReason.INVALID_JSON,
                    "Expected a JSON object, but the value is not valid JSON: " + e.getOriginalMessage() + ".", null);
        } catch (IOException e) {
            return new Rejection(model, RejectReason.INVALID_JSON,
                    "Expected a JSON object, but the value cannot be read as UTF-8 JSON: " + e.getMessage() + ".", null);
        }
        if (root == null || !root.isObject()) {
            return new Rejection(model, RejectReason.SCHEMA,
                    "Expected a JSON object, found " + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase())
                            + ".", null);
        }
        String id = root.path("id").isTextual() ? root.get("id").asText() : null;
        JsonNode type = root.get("type");
        String typeName = type == null ? "example" : type.isTextual() ? type.asText() : null;
        if (typeName == null) {
            return new Rejection(model, RejectReason.UNKNOWN_TYPE,
                    "Expected \"type\" to be one of \"example\", \"task_end\", \"publish\", found " + type + ".", id);
        }
        return switch (typeName) {
            case "example" -> example(model, root, id, dense);
            case "task_end", "publish" -> control(model, root, typeName, id);
            default -> new Rejection(model, RejectReason.UNKNOWN_TYPE,
                    "Expected \"type\" to be one of \"example\", \"task_end\", \"publish\", found \""
                            + abbreviate(typeName) + "\".", id);
        };
    }

    private IngestRecord control(String model, JsonNode root, String typeName, String id) {
        Optional<Rejection> invalid = validate(model, controlSchema, "control", root, id);
        if (invalid.isPresent()) {
            return invalid.get();
        }
        return typeName.equals("task_end")
                ? new Control(model, Control.Type.TASK_END, root.get("task").asText())
                : new Control(model, Control.Type.PUBLISH, null);
    }

    private IngestRecord example(String model, JsonNode root, String id, DenseX parsed) {
        Optional<Rejection> invalid = validate(model, exampleSchema, "example", root, id);
        if (invalid.isPresent()) {
            return invalid.get();
        }
        if (parsed.notNumberAt >= 0) {
            return new Rejection(model, RejectReason.SCHEMA, "Expected an example record as in schemas/example.schema.json, found: "
                    + "$.x[" + parsed.notNumberAt + "]: is not a number.", id);
        }
        String task = root.get("task").asText();
        Example.Split split = "eval".equals(root.path("split").asText("train")) ? Example.Split.EVAL : Example.Split.TRAIN;

        float[] x = new float[shape.inputSize()];
        if (parsed.present) {
            if (parsed.count != shape.inputSize()) {
                return new Rejection(model, RejectReason.DIMENSION, "Expected \"x\" with " + shape.inputSize()
                        + " numbers (engram.model.input-size), found " + parsed.count + ".", id);
            }
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) parsed.values[i];
                if (!Float.isFinite(x[i])) {
                    return new Rejection(model, RejectReason.NON_FINITE, "Expected finite numbers within the float range in \"x\", found "
                            + parsed.values[i] + " at index " + i + ".", id);
                }
                if (!shape.range().contains(x[i])) {
                    return new Rejection(model, RejectReason.OUT_OF_RANGE, "Expected input values " + shape.range().describe()
                            + ", found " + parsed.values[i] + " at index " + i + ".", id);
                }
            }
        } else {
            JsonNode named = root.get("features");
            if (featureIndex.isEmpty()) {
                return new Rejection(model, RejectReason.UNKNOWN_FEATURE,
                        "Expected dense \"x\": this model declares no feature names (engram.model.features), found \"features\".", id);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = named.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> feature = it.next();
                Integer index = featureIndex.get(feature.getKey());
                if (index == null) {
                    return new Rejection(model, RejectReason.UNKNOWN_FEATURE, "Expected feature names among "
                            + abbreviate(String.join(", ", shape.features().get())) + " (engram.model.features), found \""
                            + abbreviate(feature.getKey()) + "\".", id);
                }
                x[index] = (float) feature.getValue().asDouble();
                if (!Float.isFinite(x[index])) {
                    return new Rejection(model, RejectReason.NON_FINITE, "Expected a finite number within the float range for feature \""
                            + feature.getKey() + "\", found " + feature.getValue().asText() + ".", id);
                }
                if (!shape.range().contains(x[index])) {
                    return new Rejection(model, RejectReason.OUT_OF_RANGE, "Expected input values " + shape.range().describe()
                            + ", found " + feature.getValue().asText() + " for feature \"" + feature.getKey() + "\".", id);
                }
            }
        }

        int label;
        if (root.has("y")) {
            long y = root.get("y").asLong();
            if (y < 0 || y >= shape.classes()) {
                return new Rejection(model, RejectReason.UNKNOWN_LABEL, "Expected \"y\" to be a class index from 0 to "
                        + (shape.classes() - 1) + " (engram.model.classes), found " + root.get("y").asText() + ".", id);
            }
            label = (int) y;
        } else {
            Integer index = labelIndex.get(root.get("label").asText());
            if (index == null) {
                return new Rejection(model, RejectReason.UNKNOWN_LABEL, "Expected \"label\" to be one of "
                        + abbreviate(String.join(", ", shape.labels())) + " (engram.model.labels), found \""
                        + abbreviate(root.get("label").asText()) + "\".", id);
            }
            label = index;
        }
        return new IngestRecord.Labelled(new Example(model, task, x, label, split, id));
    }

    /**
     * The numbers of {@code "x"}, read straight from the parser: a 784-number array as a JSON tree
     * and through per-item schema validation costs several times a training step. The tree keeps
     * a one-number stand-in for {@code x}, so the schema still checks that it is a non-empty array.
     */
    static final class DenseX {
        boolean present;
        double[] values = new double[0];
        int count;
        int notNumberAt = -1;

        /** Room for {@code more} values beyond those held (a count declared by the record, bounded by the caller). */
        void reserve(int more) {
            if (count + more > values.length) {
                values = java.util.Arrays.copyOf(values, count + more);
            }
        }

        /** The start of an {@code "x"} array: no values yet, all numbers so far. */
        void begin() {
            present = true;
            count = 0;
            notNumberAt = -1;
        }

        /** No {@code "x"} array read (the general reader reads the record again). */
        void clear() {
            present = false;
            count = 0;
            notNumberAt = -1;
        }

        void add(double v) {
            if (count == values.length) {
                values = java.util.Arrays.copyOf(values, Math.max(16, values.length * 2));
            }
            values[count++] = v;
        }
    }

    /**
     * Parses an object with {@code "x"} read into {@code dense}; anything else as a tree (errors as
     * Jackson reports them). A plain {@code "x"} array is read straight from the bytes ({@link DenseJson})
     * and the rest of the record, with an empty array in its place, by Jackson; should that fail, the
     * whole record goes through Jackson, whose error then names places in the record as sent.
     */
    private JsonNode read(byte[] value, DenseX dense) throws IOException {
        long span = denseJson ? DenseJson.readX(value, dense) : -1;
        if (span >= 0) {
            int start = (int) (span >>> 32);
            int end = (int) span;
            byte[] rest = new byte[value.length - (end - start) + 2];
            System.arraycopy(value, 0, rest, 0, start);
            rest[start] = '[';
            rest[start + 1] = ']';
            System.arraycopy(value, end, rest, start + 2, value.length - end);
            try {
                return read(rest, dense, true);
            } catch (IOException e) {
                dense.clear();
            }
        }
        return read(value, dense, false);
    }

    /** Jackson's part of {@link #read(byte[], DenseX)}: {@code xRead} when {@code dense} holds {@code "x"} already. */
    private JsonNode read(byte[] value, DenseX dense, boolean xRead) throws IOException {
        try (com.fasterxml.jackson.core.JsonParser p = mapper.getFactory().createParser(value)) {
            com.fasterxml.jackson.core.JsonToken first = p.nextToken();
            if (first != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return mapper.readTree(value); // not an object: the tree path phrases the error
            }
            com.fasterxml.jackson.databind.node.ObjectNode root = mapper.createObjectNode();
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                com.fasterxml.jackson.core.JsonToken t = p.nextToken();
                if (name.equals("x") && t == com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
                    if (xRead) {
                        p.skipChildren(); // the empty stand-in for the array DenseJson read
                    } else {
                        dense.begin();
                        com.fasterxml.jackson.core.JsonToken item;
                        while ((item = p.nextToken()) != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
                            if (item == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT
                                    || item == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_FLOAT) {
                                dense.add(p.getDoubleValue());
                            } else {
                                if (dense.notNumberAt < 0) {
                                    dense.notNumberAt = dense.count;
                                }
                                dense.add(Double.NaN);
                                p.skipChildren();
                            }
                        }
                    }
                    com.fasterxml.jackson.databind.node.ArrayNode standIn = root.putArray("x");
                    if (dense.count > 0) {
                        standIn.add(0);
                    }
                } else {
                    root.set(name, fieldReader.readTree(p));
                }
            }
            if (p.nextToken() != null) {
                throw new com.fasterxml.jackson.core.JsonParseException(p, "trailing content after the JSON object");
            }
            if (!dense.present || root.get("x") == null || !root.get("x").isArray()) {
                dense.present = false;
            }
            return root;
        }
    }

    private Optional<Rejection> validate(String model, JsonSchema schema, String kind, JsonNode root, String id) {
        Set<ValidationMessage> errors = schema.validate(root);
        if (errors.isEmpty()) {
            return Optional.empty();
        }
        String found = errors.stream().map(ValidationMessage::getMessage).sorted().limit(MAX_SCHEMA_MESSAGES)
                .collect(Collectors.joining("; "));
        return Optional.of(new Rejection(model, RejectReason.SCHEMA, "Expected " + (kind.equals("example") ? "an " : "a ") + kind
                + " record as in schemas/" + kind + ".schema.json, found: " + found + ".", id));
    }

    private static JsonSchema load(JsonSchemaFactory factory, String name) {
        try (InputStream in = RecordDecoder.class.getResourceAsStream("/schemas/" + name)) {
            if (in == null) {
                throw new IllegalStateException("schemas/" + name + " is missing from the classpath");
            }
            return factory.getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Integer> indexOf(List<String> names) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
        return Map.copyOf(index);
    }

    /** The id with control and non-ASCII characters shown as escapes, safe for logs and headers. */
    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().limit(200).forEach(c -> {
            if (c >= 0x20 && c < 0x7f) {
                out.appendCodePoint(c);
            } else {
                out.append(String.format("\\u%04x", c));
            }
        });
        return out.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
