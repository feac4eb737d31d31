package io.engram.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.EmbeddedKafkaBroker;
import io.engram.broker.KafkaClients;
import io.engram.support.Await;
import io.engram.support.ServiceProcess;
import io.engram.support.TestRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The broker stops under a running service and comes back: the service stays live, is not ready
 * while the broker is away, and learns every example produced before and after; none is lost.
 */
class BrokerOutageIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<byte[]> examples(int from, int to) {
        List<byte[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(TestRecords.utf8("{\"task\":\"t\",\"x\":[" + (i % 3) + ",1,0,0.5],\"y\":" + (i % 3) + "}"));
        }
        return records;
    }

    private static long trained(ServiceProcess service) {
        try {
            return JSON.readTree(service.get("/api/status").body()).path("models").path("outage").path("trained").asLong(-1);
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void brokerStoppedAndRestarted_noExampleIsLost() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "outage-it", UUID.randomUUID().toString()));
        int port = ServiceProcess.freePort();
        int controller = ServiceProcess.freePort();
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(logs, port, null, controller).start();
        KafkaClients clients = new KafkaClients(broker.bootstrapServers(), Map.of(), 10_000);
        try (ServiceProcess service = ServiceProcess.start(Map.of(
                "ENGRAM_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "ENGRAM_KAFKA_REQUEST_TIMEOUT", "3s",
                "ENGRAM_INGEST_MAX_BACKOFF", "2s",
                "ENGRAM_LEARNER_METHOD", "online",
                "ENGRAM_MODEL_INPUT_SIZE", "4",
                "ENGRAM_MODEL_HIDDEN", "8",
                "ENGRAM_MODEL_CLASSES", "3",
                "ENGRAM_MODEL_LABELS", "a,b,c"))) {
            service.awaitReady(Duration.ofSeconds(60));
            TestRecords.produce(clients, "engram.examples", "outage", examples(0, 200));
            Await.until(Duration.ofSeconds(60), "200 learned", () -> trained(service) == 200, () -> trained(service));

            broker.close();
            Await.until(Duration.ofSeconds(60), "not ready while the broker is away",
                    () -> service.get("/q/health/ready").code() == 503, () -> service.get("/q/health/ready"));
            assertThat(service.get("/q/health/live").code()).isEqualTo(200);

            broker = new EmbeddedKafkaBroker(logs, port, null, controller).start();
            clients = new KafkaClients(broker.bootstrapServers(), Map.of(), 10_000);
            TestRecords.produce(clients, "engram.examples", "outage", examples(200, 400));
            Await.until(Duration.ofSeconds(120), "all 400 learned after the broker came back", () -> trained(service) == 400,
                    () -> trained(service) + " " + service.get("/q/health/ready").body());
            service.awaitReady(Duration.ofSeconds(60));
        } finally {
            broker.close();
        }
    }
}
