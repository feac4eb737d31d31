package io.engram.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.engram.support.Await;
import io.engram.support.ServiceProcess;
import io.engram.support.TestRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker whose client listener is SASL_PLAINTEXT: right credentials work through the
 * pass-through client settings; wrong ones give a clear authentication error quickly, not a hang.
 */
class SaslIT {

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaBroker(Path.of("target", "sasl-it", UUID.randomUUID().toString()), 0,
                new EmbeddedKafkaBroker.SaslPlain("admin", "admin-secret", Map.of("engram", "engram-secret"))).start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Map<String, String> sasl(String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"engram\" password=\"" + password + "\";");
    }

    @Test
    void shouldCreateTopicsAndRoundTripWithRightCredentials() {
        KafkaClients clients = new KafkaClients(broker.bootstrapServers(), sasl("engram-secret"), 10_000);
        Topics topics = new Topics("sasl.");
        try (Admin admin = clients.admin("sasl-it")) {
            TopicSetup.ensure(admin, topics, 1, (short) 1, 30_000);
        }
        TestRecords.produce(clients, topics.examples(), "m", List.of(TestRecords.utf8("{\"type\":\"publish\"}")));
        assertThat(TestRecords.readAll(clients, topics.examples())).hasSize(1);
    }

    @Test
    void shouldFailFastWithAClearMessageOnWrongCredentials() {
        KafkaClients clients = new KafkaClients(broker.bootstrapServers(), sasl("wrong"), 10_000);
        long start = System.nanoTime();
        try (Admin admin = clients.admin("sasl-it-wrong")) {
            assertThatThrownBy(() -> TopicSetup.ensure(admin, new Topics("wrong."), 1, (short) 1, 15_000))
                    .isInstanceOfSatisfying(BrokerAccessException.class,
                            e -> assertThat(e.kind()).isEqualTo(BrokerAccessException.Kind.AUTHENTICATION))
                    .hasMessageContaining("Kafka authentication failed")
                    .hasMessageContaining("sasl.jaas.config");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void serviceWithWrongCredentialsStaysLiveButNotReadyAndSaysWhy() throws Exception {
        try (ServiceProcess service = ServiceProcess.start(Map.of(
                "ENGRAM_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "ENGRAM_KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "ENGRAM_KAFKA_CLIENT_SASL_MECHANISM", "PLAIN",
                "ENGRAM_KAFKA_CLIENT_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"engram\" password=\"wrong\";"))) {
            Await.until(Duration.ofSeconds(60), "readiness DOWN naming the authentication failure",
                    () -> {
                        ServiceProcess.Response ready = service.get("/q/health/ready");
                        return ready.code() == 503 && ready.body().contains("authentication failed");
                    }, () -> service.get("/q/health/ready") + " output: " + service.tail());
            assertThat(service.get("/q/health/live").code()).isEqualTo(200);
            assertThat(service.output()).contains("Kafka authentication failed");
        }
    }

    @Test
    void serviceWithRightCredentialsBecomesReady() throws Exception {
        try (ServiceProcess service = ServiceProcess.start(Map.of(
                "ENGRAM_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "ENGRAM_TOPIC_PREFIX", "sasl-service.",
                "ENGRAM_KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "ENGRAM_KAFKA_CLIENT_SASL_MECHANISM", "PLAIN",
                "ENGRAM_KAFKA_CLIENT_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"engram\" password=\"engram-secret\";"))) {
            service.awaitReady(Duration.ofSeconds(60));
        }
    }
}
