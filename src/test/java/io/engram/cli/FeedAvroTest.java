package io.engram.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.engram.ingest.Control;
import io.engram.learn.Example;
import io.engram.ingest.IngestRecord;
import io.engram.ingest.RecordDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code ./engram feed --avro}: each JSON record becomes the Avro record the service decodes to the same thing. */
class FeedAvroTest {

    private static final RecordDecoder DECODER = new RecordDecoder(new RecordDecoder.ModelShape(3, List.of("a", "b"), Optional.empty()), 10_000);

    @Test
    void toAvro_givesRecordsTheServiceDecodesAsTheJson() {
        List<byte[]> json = List.of(utf8("{\"task\":\"t\",\"x\":[0.1,0.25,3],\"y\":1,\"split\":\"eval\",\"id\":\"r1\"}"),
                utf8("{\"type\":\"task_end\",\"task\":\"t\"}"));
        List<byte[]> avro = StreamProducer.toAvro(json);
        assertThat(avro).hasSize(2);
        Example fromJson = ((IngestRecord.Labelled) DECODER.decode(null, json.get(0), false)).example();
        Example fromAvro = ((IngestRecord.Labelled) DECODER.decode(null, avro.get(0), true)).example();
        assertThat(fromAvro.x()).containsExactly(fromJson.x());
        assertThat(List.of(fromAvro.task(), fromAvro.label(), fromAvro.split(), fromAvro.id()))
                .isEqualTo(List.of(fromJson.task(), fromJson.label(), fromJson.split(), fromJson.id()));
        IngestRecord control = DECODER.decode(null, avro.get(1), true);
        assertThat(control).isEqualTo(new Control("default", Control.Type.TASK_END, "t"));
    }

    @Test
    void toAvro_namesTheRecordThatDoesNotFit() {
        List<byte[]> json = List.of(utf8("{\"task\":\"t\",\"x\":[0,0,0],\"y\":1}"), utf8("{\"task\":\"t\",\"x\":[0,0,0],\"y\":1.5}"));
        assertThatThrownBy(() -> StreamProducer.toAvro(json)).hasMessageContaining("record 2").hasMessageContaining("\"y\"");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
