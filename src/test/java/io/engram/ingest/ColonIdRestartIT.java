package io.engram.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaClients;
import io.engram.support.Await;
import io.engram.support.ServiceProcess;
import io.engram.support.TestRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The crash loop the issue found, through the packaged service: after {@code default} has version
 * 1, a {@code publish} keyed {@code default:1} is dead-lettered as {@code invalid_model_id} (it
 * used to write a chunk {@code default:1:1:0}); a chunk with that key already on the compacted
 * topic (written by an older Engram) is skipped at the next start, which becomes ready and serves
 * version 1 and goes on learning.
 */
class ColonIdRestartIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, String> env(Path data, int port) {
        return Map.of("ENGRAM_DATA_DIR", data.toString(), "ENGRAM_KAFKA_EMBEDDED_PORT", Integer.toString(port),
                "ENGRAM_MODEL_INPUT_SIZE", "4", "ENGRAM_MODEL_HIDDEN", "8", "ENGRAM_MODEL_CLASSES", "3",
                "ENGRAM_MODEL_LABELS", "a,b,c", "ENGRAM_LEARNER_METHOD", "er", "ENGRAM_LEARNER_REPLAY_CAPACITY", "50");
    }

    private static int versions(ServiceProcess service) {
        try {
            for (JsonNode m : JSON.readTree(service.get("/api/models").body())) {
                if (m.get("model").asText().equals("default")) {
                    return m.get("versions").size();
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return 0;
    }

    @Test
    void aColonKeyIsDeadLetteredAndAPoisonedChunkNeverStopsTheNextStart() throws Exception {
        Path data = Files.createDirectories(Path.of("target", "colon-it", UUID.randomUUID().toString()));
        int port = ServiceProcess.freePort();
        KafkaClients clients = new KafkaClients("127.0.0.1:" + port, Map.of(), 10_000);
        try (ServiceProcess first = ServiceProcess.start(env(data, port))) {
            first.awaitReady(Duration.ofSeconds(90));
            TestRecords.produce(clients, "engram.examples", "default", List.of(
                    TestRecords.utf8("{\"task\":\"t\",\"x\":[1,0,0,0],\"y\":0,\"split\":\"eval\"}"),
                    TestRecords.utf8("{\"task\":\"t\",\"x\":[1,0,0,0],\"y\":0}"),
                    TestRecords.utf8("{\"type\":\"task_end\",\"task\":\"t\"}")));
            Await.until(Duration.ofSeconds(60), "version 1 of default", () -> versions(first) == 1, () -> first.tail());
            TestRecords.produce(clients, "engram.examples", "default:1", List.of(TestRecords.utf8("{\"type\":\"publish\"}")));
            Await.until(Duration.ofSeconds(60), "the publish keyed default:1 dead-lettered",
                    () -> TestRecords.readAll(clients, "engram.dlq").size() == 1, () -> first.tail());
            ConsumerRecord<byte[], byte[]> letter = TestRecords.readAll(clients, "engram.dlq").get(0);
            assertThat(TestRecords.header(letter, "engram.error.reason")).isEqualTo("invalid_model_id");
            assertThat(new String(letter.key())).isEqualTo("default:1");
            // what an older Engram wrote for that record: a chunk of model "default:1", version 1
            try (KafkaProducer<byte[], byte[]> producer = clients.producer("poisoner")) {
                producer.send(new ProducerRecord<>("engram.model-chunks", TestRecords.utf8("default:1:1:0"), new byte[] {1, 2, 3})).get();
            }
            first.process().destroyForcibly().waitFor();
        }
        try (ServiceProcess second = ServiceProcess.start(env(data, port))) {
            second.awaitReady(Duration.ofSeconds(90));
            assertThat(versions(second)).isEqualTo(1);
            second.get("/api/models/default/versions/1/artifact");
            assertThat(second.get("/api/models/default/versions/1/artifact").code()).isEqualTo(200);
            TestRecords.produce(clients, "engram.examples", "default", List.of(
                    TestRecords.utf8("{\"task\":\"t\",\"x\":[0,1,0,0],\"y\":1}"),
                    TestRecords.utf8("{\"type\":\"publish\"}")));
            Await.until(Duration.ofSeconds(60), "version 2 after the restart", () -> versions(second) == 2, () -> second.tail());
            assertThat(second.output()).doesNotContain("NumberFormatException");
        }
    }
}
