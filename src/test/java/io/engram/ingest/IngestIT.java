package io.engram.ingest;

import static io.engram.support.TestRecords.utf8;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.engram.broker.KafkaAccess;
import io.engram.learn.Learner;
import io.engram.learn.LearnerRegistry;
import io.engram.support.Await;
import io.engram.support.Prometheus;
import io.engram.support.TestRecords;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The service against its real embedded broker: good records reach the learner in order with
 * their task boundaries, every bad kind is dead-lettered with its reason and the original bytes,
 * every record is counted once, and offsets are committed after handling.
 */
@QuarkusTest
class IngestIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    KafkaAccess kafka;

    @Inject
    LearnerRegistry learners;

    @Inject
    IngestService ingest;

    @Test
    void shouldHandEveryGoodRecordToTheLearnerAndDeadLetterEveryBadOne() throws Exception {
        String model = "it-" + UUID.randomUUID();
        byte[] garbage = new byte[64];
        new java.util.Random(7).nextBytes(garbage);
        garbage[0] = (byte) 0xC3; // never valid JSON start
        String huge = "{\"task\":\"t1\",\"x\":[0,0,0,0],\"y\":1,\"pad\":\"" + "p".repeat(900_000) + "\"}";

        List<byte[]> good = List.of(
                utf8("{\"task\":\"t1\",\"x\":[0.1,0.2,0.3,0.4],\"y\":0,\"id\":\"g0\"}"),
                utf8("{\"task\":\"t1\",\"features\":{\"age\":0.5,\"score\":1},\"label\":\"bird\",\"id\":\"g1\"}"),
                utf8("{\"task\":\"t1\",\"x\":[1,1,1,1],\"y\":1,\"split\":\"eval\",\"id\":\"g2\"}"),
                utf8("{\"task\":\"t2\",\"x\":[0,0,0,1],\"y\":2,\"id\":\"g3\"}"),
                utf8("{\"type\":\"task_end\",\"task\":\"t2\"}"),
                utf8("{\"type\":\"publish\"}"));
        Map<String, byte[]> bad = new java.util.LinkedHashMap<>();
        bad.put("invalid_json", utf8("{\"task\": \"t3\", "));
        bad.put("invalid_json ", garbage);
        bad.put("schema", utf8("{\"x\":[0,0,0,0],\"y\":1,\"id\":\"no-task\"}"));
        bad.put("dimension", utf8("{\"task\":\"t3\",\"x\":[0,0,0],\"y\":1}"));
        bad.put("non_finite", utf8("{\"task\":\"t3\",\"x\":[0,1e999,0,0],\"y\":1}"));
        bad.put("unknown_label", utf8("{\"task\":\"t3\",\"x\":[0,0,0,0],\"y\":7}"));
        bad.put("unknown_label ", utf8("{\"task\":\"t3\",\"x\":[0,0,0,0],\"label\":\"Sneaker\"}"));
        bad.put("unknown_type", utf8("{\"type\":\"retrain\",\"task\":\"t3\"}"));
        bad.put("unknown_feature", utf8("{\"task\":\"t3\",\"features\":{\"shoe\":1},\"y\":1}"));
        bad.put("too_large", utf8(huge));
        List<byte[]> all = new ArrayList<>(good);
        all.addAll(bad.values());
        all.add(utf8("{\"task\":\"t3\",\"x\":[0,0,0,0],\"y\":1,\"id\":\"after-bad\"}"));

        List<Long> offsets = TestRecords.produce(kafka.clients(), kafka.topics().examples(), model, all);

        Learner learner = learners.forModel(model);
        Await.until(WAIT, "4 train examples of model " + model + " learned", () -> learner.status().trained() == 4,
                () -> "trained=" + learner.status().trained() + " ingest=" + ingest.state() + " " + ingest.lastError());
        assertThat(learner.status().keptForEvaluation()).as("eval examples kept").isEqualTo(1);
        assertThat(learner.status().endedTasks()).as("t1 ends by task switch, t2 by task_end").containsExactly("t1", "t2");
        assertThat(learner.status().publishes()).isEqualTo(1);

        List<String> expectedReasons = bad.keySet().stream().map(String::trim).toList();
        Map<Long, ConsumerRecord<byte[], byte[]>> letters = new HashMap<>();
        Await.until(WAIT, bad.size() + " dead letters of model " + model, () -> {
            letters.clear();
            for (ConsumerRecord<byte[], byte[]> r : TestRecords.readAll(kafka.clients(), kafka.topics().deadLetters())) {
                if (r.key() != null && new String(r.key()).equals(model)) {
                    letters.put(Long.parseLong(TestRecords.header(r, DeadLetters.OFFSET)), r);
                }
            }
            return letters.size() == bad.size();
        }, letters::keySet);

        for (int i = 0; i < bad.size(); i++) {
            long offset = offsets.get(good.size() + i);
            ConsumerRecord<byte[], byte[]> letter = letters.get(offset);
            assertThat(letter).as("dead letter for offset %d", offset).isNotNull();
            assertThat(TestRecords.header(letter, DeadLetters.REASON)).isEqualTo(expectedReasons.get(i));
            assertThat(letter.value()).as("original bytes of %s", expectedReasons.get(i)).isEqualTo(all.get(good.size() + i));
            assertThat(TestRecords.header(letter, DeadLetters.TOPIC)).isEqualTo(kafka.topics().examples());
            assertThat(TestRecords.header(letter, DeadLetters.PARTITION)).isEqualTo("0");
            assertThat(TestRecords.header(letter, DeadLetters.MESSAGE)).startsWith("Expected");
        }

        // committed only after handling: the group's offset reaches past the last record
        long next = offsets.get(offsets.size() - 1) + 1;
        try (Admin admin = kafka.clients().admin("test-admin")) {
            TopicPartition tp = new TopicPartition(kafka.topics().examples(), 0);
            Await.until(WAIT, "committed offset " + next, () -> committed(admin, tp) >= next, () -> committed(admin, tp));
        }

        // Prometheus: each record in exactly one counter
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(Prometheus.value(metrics, "engram_examples_total{model=\"" + model + "\",split=\"train\"}")).isEqualTo(4.0);
        assertThat(Prometheus.value(metrics, "engram_examples_total{model=\"" + model + "\",split=\"eval\"}")).isEqualTo(1.0);
        assertThat(Prometheus.value(metrics, "engram_control_records_total{model=\"" + model + "\",type=\"task_end\"}")).isEqualTo(1.0);
        assertThat(Prometheus.value(metrics, "engram_control_records_total{model=\"" + model + "\",type=\"publish\"}")).isEqualTo(1.0);
        for (String reason : expectedReasons) {
            assertThat(Prometheus.value(metrics, "engram_examples_rejected_total{reason=\"" + reason + "\"}")).as(reason).isGreaterThanOrEqualTo(1.0);
        }
        assertThat(metrics).contains("engram_consumer_lag_records{against=\"committed\",partition=\"0\",topic=\"engram.examples\"}");
        assertThat(4 + 1 + 2 + letters.size()).as("trained + kept + control + dead-lettered").isEqualTo(all.size());

        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }

    private static long committed(Admin admin, TopicPartition tp) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("engram")
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            OffsetAndMetadata offset = offsets.get(tp);
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            return -2;
        }
    }
}
