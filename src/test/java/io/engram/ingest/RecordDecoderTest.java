package io.engram.ingest;

import io.engram.learn.Example;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecordDecoderTest {

    private static final RecordDecoder DECODER = new RecordDecoder(new RecordDecoder.ModelShape(4,
            List.of("cat", "dog", "bird"), Optional.of(List.of("age", "height", "weight", "score"))), 1000);

    private static IngestRecord decode(String key, String value) {
        return DECODER.decode(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static Rejection rejected(String value) {
        IngestRecord record = decode("m1", value);
        assertThat(record).as("decoding %s", value).isInstanceOf(Rejection.class);
        return (Rejection) record;
    }

    @Test
    void shouldDecodeDenseTrainExample() {
        IngestRecord record = decode("m1", "{\"task\":\"perm-03\",\"x\":[0,0.5,1,-2],\"y\":2,\"id\":\"a\"}");
        assertThat(record).isInstanceOf(IngestRecord.Labelled.class);
        Example example = ((IngestRecord.Labelled) record).example();
        assertThat(example.model()).isEqualTo("m1");
        assertThat(example.task()).isEqualTo("perm-03");
        assertThat(example.x()).containsExactly(0f, 0.5f, 1f, -2f);
        assertThat(example.label()).isEqualTo(2);
        assertThat(example.split()).isEqualTo(Example.Split.TRAIN);
        assertThat(example.id()).isEqualTo("a");
    }

    @Test
    void shouldMapNamedFeaturesAndLabelName() {
        Example example = example(decode(null,
                "{\"type\":\"example\",\"task\":\"h\",\"features\":{\"score\":3,\"age\":0.25},\"label\":\"dog\",\"split\":\"eval\"}"));
        assertThat(example.model()).isEqualTo(RecordDecoder.DEFAULT_MODEL);
        assertThat(example.x()).containsExactly(0.25f, 0f, 0f, 3f);
        assertThat(example.label()).isEqualTo(1);
        assertThat(example.split()).isEqualTo(Example.Split.EVAL);
    }

    @Test
    void shouldDecodeControlRecords() {
        assertThat(decode("m1", "{\"type\":\"task_end\",\"task\":\"t-1\"}"))
                .isEqualTo(new Control("m1", Control.Type.TASK_END, "t-1"));
        assertThat(decode("", "{\"type\":\"publish\"}"))
                .isEqualTo(new Control("default", Control.Type.PUBLISH, null));
    }

    @Test
    void shouldRejectInvalidJson() {
        assertThat(rejected("{\"task\": ").reason()).isEqualTo(RejectReason.INVALID_JSON);
        assertThat(rejected("{\"task\":\"t\"} trailing").reason()).isEqualTo(RejectReason.INVALID_JSON);
        assertThat(rejected(null).reason()).isEqualTo(RejectReason.INVALID_JSON);
        byte[] garbage = {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0x80, 'x'};
        Rejection binary = (Rejection) DECODER.decode(null, garbage);
        assertThat(binary.reason()).isEqualTo(RejectReason.INVALID_JSON);
        assertThat(binary.message()).startsWith("Expected a JSON object");
    }

    @Test
    void shouldRejectSchemaViolations() {
        Rejection missingTask = rejected("{\"x\":[0,0,0,0],\"y\":1}");
        assertThat(missingTask.reason()).isEqualTo(RejectReason.SCHEMA);
        assertThat(missingTask.message()).contains("task");
        assertThat(rejected("[1,2,3]").reason()).isEqualTo(RejectReason.SCHEMA);
        assertThat(rejected("{\"task\":\"bad task!\",\"x\":[0,0,0,0],\"y\":1}").reason()).isEqualTo(RejectReason.SCHEMA);
        assertThat(rejected("{\"task\":\"t\",\"x\":[0,0,0,0]}").reason()).isEqualTo(RejectReason.SCHEMA);
        assertThat(rejected("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1,\"label\":\"cat\"}").reason()).isEqualTo(RejectReason.SCHEMA);
        assertThat(rejected("{\"task\":\"t\",\"x\":[0,\"a\",0,0],\"y\":1}").reason()).isEqualTo(RejectReason.SCHEMA);
        assertThat(rejected("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1,\"split\":\"test\"}").reason()).isEqualTo(RejectReason.SCHEMA);
        assertThat(rejected("{\"type\":\"task_end\"}").reason()).isEqualTo(RejectReason.SCHEMA);
    }

    @Test
    void shouldRejectWrongDimension() {
        Rejection r = rejected("{\"task\":\"t\",\"x\":[0,0,0],\"y\":1,\"id\":\"short\"}");
        assertThat(r.reason()).isEqualTo(RejectReason.DIMENSION);
        assertThat(r.message()).contains("4 numbers").contains("found 3");
        assertThat(r.id()).isEqualTo("short");
    }

    @Test
    void shouldRejectNonFiniteNumbers() {
        assertThat(rejected("{\"task\":\"t\",\"x\":[0,1e999,0,0],\"y\":1}").reason()).isEqualTo(RejectReason.NON_FINITE);
        assertThat(rejected("{\"task\":\"t\",\"x\":[0,NaN,0,0],\"y\":1}").reason()).isEqualTo(RejectReason.NON_FINITE);
        assertThat(rejected("{\"task\":\"t\",\"x\":[0,1e300,0,0],\"y\":1}").reason())
                .as("finite as a double but not as a float").isEqualTo(RejectReason.NON_FINITE);
        assertThat(rejected("{\"task\":\"t\",\"features\":{\"age\":-1e999},\"y\":1}").reason()).isEqualTo(RejectReason.NON_FINITE);
    }

    @Test
    void shouldRejectUnknownLabels() {
        Rejection outside = rejected("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":3}");
        assertThat(outside.reason()).isEqualTo(RejectReason.UNKNOWN_LABEL);
        assertThat(outside.message()).contains("0 to 2").contains("found 3");
        assertThat(rejected("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":-1}").reason()).isEqualTo(RejectReason.UNKNOWN_LABEL);
        assertThat(rejected("{\"task\":\"t\",\"x\":[0,0,0,0],\"label\":\"Sneaker\"}").reason()).isEqualTo(RejectReason.UNKNOWN_LABEL);
    }

    @Test
    void shouldRejectUnknownFeatures() {
        Rejection r = rejected("{\"task\":\"t\",\"features\":{\"age\":1,\"shoe_size\":2},\"y\":0}");
        assertThat(r.reason()).isEqualTo(RejectReason.UNKNOWN_FEATURE);
        assertThat(r.message()).contains("shoe_size");
        RecordDecoder denseOnly = new RecordDecoder(new RecordDecoder.ModelShape(2, List.of("a", "b"), Optional.empty()), 1000);
        Rejection none = (Rejection) denseOnly.decode(null, "{\"task\":\"t\",\"features\":{\"a\":1},\"y\":0}".getBytes(StandardCharsets.UTF_8));
        assertThat(none.reason()).isEqualTo(RejectReason.UNKNOWN_FEATURE);
    }

    @Test
    void shouldRejectUnknownType() {
        assertThat(rejected("{\"type\":\"retrain\",\"task\":\"t\"}").reason()).isEqualTo(RejectReason.UNKNOWN_TYPE);
        assertThat(rejected("{\"type\":7,\"task\":\"t\"}").reason()).isEqualTo(RejectReason.UNKNOWN_TYPE);
    }

    @Test
    void shouldRejectTooLargeBeforeParsing() {
        String big = "{\"task\":\"t\",\"x\":[" + "0,".repeat(600) + "0],\"y\":1}";
        Rejection r = rejected(big);
        assertThat(r.reason()).isEqualTo(RejectReason.TOO_LARGE);
        assertThat(r.message()).contains("engram.ingest.max-record-bytes").contains(big.length() + " bytes");
    }

    @Test
    void shouldRejectBadModelKey() {
        for (String key : new String[] {"model with spaces", "default:1", "a".repeat(129), "caf\u00e9", "x\ny"}) {
            IngestRecord record = decode(key, "{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1}");
            assertThat(record).as(key).isInstanceOf(Rejection.class);
            assertThat(((Rejection) record).reason()).as(key).isEqualTo(RejectReason.INVALID_MODEL_ID);
            assertThat(((Rejection) record).message()).as(key).contains("[A-Za-z0-9._-]").doesNotContain("\n");
        }
        assertThat(decode("shop-7.eu_west", "{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1}")).isInstanceOf(IngestRecord.Labelled.class);
    }

    @Test
    void shouldRejectInputsOutsideTheConfiguredRange() {
        RecordDecoder ranged = new RecordDecoder(new RecordDecoder.ModelShape(4, List.of("cat", "dog", "bird"),
                Optional.of(List.of("age", "height", "weight", "score")), new RecordDecoder.InputRange(0, 1)), 4096);
        IngestRecord bad = ranged.decode(null, "{\"task\":\"t\",\"x\":[0,0.5,255,1],\"y\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(bad).isInstanceOf(Rejection.class);
        assertThat(((Rejection) bad).reason()).isEqualTo(RejectReason.OUT_OF_RANGE);
        assertThat(((Rejection) bad).message()).contains("255").contains("index 2").contains("engram.ingest.input-max");
        IngestRecord named = ranged.decode(null, "{\"task\":\"t\",\"features\":{\"age\":-3},\"y\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(((Rejection) named).reason()).isEqualTo(RejectReason.OUT_OF_RANGE);
        assertThat(ranged.decode(null, "{\"task\":\"t\",\"x\":[0,0.5,1,1],\"y\":1}".getBytes(StandardCharsets.UTF_8))).isInstanceOf(IngestRecord.Labelled.class);
    }

    private static Example example(IngestRecord record) {
        assertThat(record).isInstanceOf(IngestRecord.Labelled.class);
        return ((IngestRecord.Labelled) record).example();
    }
}
