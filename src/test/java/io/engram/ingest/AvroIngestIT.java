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
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Avro records (header content-type: application/avro) through the real broker: the same stream
 * as JSON and as Avro gives the same model, parameter for parameter and bit for bit; bad Avro is
 * dead-lettered with its reason, the original bytes and its content-type.
 */
@QuarkusTest
class AvroIngestIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    KafkaAccess kafka;

    @Test
    void shouldLearnTheSameModelFromAvroAsFromJson() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String jsonModel = "json-" + suffix;
        String avroModel = "avro-" + suffix;
        List<String> stream = stream();
        List<byte[]> avro = new ArrayList<>();
        for (String record : stream) {
            avro.add(AvroRecords.encode(JSON.readTree(record)));
        }
        // one task at a time, each task's version awaited before the next task is sent: a version is
        // the state at the end of the batch holding its task end, so it must not hold the next task's records
        int from = 0;
        int versions = 0;
        for (int i = 0; i < stream.size(); i++) {
            if (stream.get(i).contains("\"task_end\"")) {
                produce(jsonModel, stream.subList(from, i + 1).stream().map(s -> utf8(s)).toList(), false);
                produce(avroModel, avro.subList(from, i + 1), true);
                int expected = ++versions;
                for (String model : List.of(jsonModel, avroModel)) {
                    Await.until(WAIT, expected + " versions of " + model, () -> ModelTopicsView.versions(kafka, model) == expected,
                            () -> ModelTopicsView.versions(kafka, model));
                }
                from = i + 1;
            }
        }
        for (String version : List.of("1", "2")) {
            float[] fromJson = Dl4jModels.read(new ByteArrayInputStream(Pull.pull(kafka.clients(), kafka.topics(), jsonModel, version).artifact()))
                    .parameters();
            float[] fromAvro = Dl4jModels.read(new ByteArrayInputStream(Pull.pull(kafka.clients(), kafka.topics(), avroModel, version).artifact()))
                    .parameters();
            assertThat(fromAvro).hasSameSizeAs(fromJson);
            for (int i = 0; i < fromJson.length; i++) {
                assertThat(Float.floatToRawIntBits(fromAvro[i])).as("version %s, parameter %d: %s vs %s", version, i, fromAvro[i], fromJson[i])
                        .isEqualTo(Float.floatToRawIntBits(fromJson[i]));
            }
        }
        long avroBytes = avro.stream().mapToLong(b -> b.length).sum();
        long jsonBytes = stream.stream().mapToLong(s -> utf8(s).length).sum();
        assertThat(avroBytes).as("Avro bytes on the wire against JSON's").isLessThan(jsonBytes);
    }

    @Test
    void shouldDeadLetterBadAvroWithItsReasonAndBytes() throws Exception {
        String model = "avro-bad-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, byte[]> bad = new java.util.LinkedHashMap<>();
        bad.put("invalid_json", new byte[] {14, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 10});
        bad.put("invalid_json ", utf8("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":1}"));
        bad.put("schema", AvroRecords.encode(JSON.readTree("{\"x\":[0,0,0,0],\"y\":1}")));
        bad.put("dimension", AvroRecords.encode(JSON.readTree("{\"task\":\"t\",\"x\":[0,0,0],\"y\":1}")));
        bad.put("unknown_label", AvroRecords.encode(JSON.readTree("{\"task\":\"t\",\"x\":[0,0,0,0],\"y\":9}")));
        bad.put("unknown_type", AvroRecords.encode(JSON.readTree("{\"type\":\"retrain\",\"task\":\"t\"}")));
        List<byte[]> values = new ArrayList<>(bad.values());
        List<Long> offsets = produce(model, values, true);

        Map<Long, ConsumerRecord<byte[], byte[]>> letters = new HashMap<>();
        Await.until(WAIT, bad.size() + " dead letters of " + model, () -> {
            letters.clear();
            for (ConsumerRecord<byte[], byte[]> r : TestRecords.readAll(kafka.clients(), kafka.topics().deadLetters())) {
                if (r.key() != null && new String(r.key()).equals(model)) {
                    letters.put(Long.parseLong(TestRecords.header(r, DeadLetters.OFFSET)), r);
                }
            }
            return letters.size() == bad.size();
        }, letters::keySet);
        List<String> reasons = bad.keySet().stream().map(String::trim).toList();
        for (int i = 0; i < values.size(); i++) {
            ConsumerRecord<byte[], byte[]> letter = letters.get(offsets.get(i));
            assertThat(TestRecords.header(letter, DeadLetters.REASON)).as("record %d", i).isEqualTo(reasons.get(i));
            assertThat(letter.value()).as("original bytes of record %d", i).isEqualTo(values.get(i));
            assertThat(TestRecords.header(letter, AvroRecords.CONTENT_TYPE)).isEqualTo(AvroRecords.AVRO);
            assertThat(TestRecords.header(letter, DeadLetters.MESSAGE)).startsWith("Expected");
        }
    }

    /** Two tasks of a 4-input, 3-class problem, eval and train examples, each task ended. */
    static List<String> stream() {
        SplittableRandom random = new SplittableRandom(21);
        List<String> records = new ArrayList<>();
        for (int task = 0; task < 2; task++) {
            for (String split : new String[] {"eval", "train"}) {
                for (int i = 0; i < (split.equals("eval") ? 30 : 200); i++) {
                    int c = random.nextInt(3);
                    StringBuilder x = new StringBuilder();
                    for (int d = 0; d < 4; d++) {
                        // full float precision, as a producer's float32 values print
                        float v = (float) (random.nextGaussian() * 0.3 + ((d + task) % 4 == c ? 2 : 0));
                        x.append(d == 0 ? "" : ",").append(String.format(Locale.ROOT, "%s", v));
                    }
                    String label = c == 1 ? "\"label\":\"dog\"" : "\"y\":" + c;
                    records.add("{\"task\":\"t" + task + "\",\"x\":[" + x + "]," + label + ",\"split\":\"" + split + "\",\"id\":\"r" + i + "\"}");
                }
            }
            records.add("{\"type\":\"task_end\",\"task\":\"t" + task + "\"}");
        }
        return records;
    }

    private List<Long> produce(String model, List<byte[]> values, boolean avro) throws Exception {
        List<Long> offsets = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer("avro-test-producer")) {
            for (byte[] value : values) {
                RecordHeaders headers = new RecordHeaders();
                if (avro) {
                    headers.add(AvroRecords.CONTENT_TYPE, utf8(AvroRecords.AVRO));
                }
                offsets.add(producer.send(new ProducerRecord<>(kafka.topics().examples(), null, utf8(model), value, headers))
                        .get(30, TimeUnit.SECONDS).offset());
            }
        }
        return offsets;
    }

    /** Counts a model's versions on engram.models. */
    private static final class ModelTopicsView {
        static long versions(KafkaAccess kafka, String model) {
            return io.engram.publish.ModelTopics.readLatest(kafka.clients(), kafka.topics().models(), k -> k.startsWith(model + ":"))
                    .keySet().stream().filter(k -> !k.contains(":@")).count();
        }
    }
}
