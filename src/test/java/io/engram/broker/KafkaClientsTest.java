package io.engram.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {

    @Test
    void passThrough_takesPrefixedPropertiesAndEnvironmentNames() {
        Map<String, String> values = Map.of(
                "engram.kafka.client.security.protocol", "SASL_SSL",
                "engram.kafka.client.\"sasl.mechanism\"", "PLAIN",
                "ENGRAM_KAFKA_CLIENT_SASL_JAAS_CONFIG", "jaas",
                "ENGRAM_KAFKA_CLIENT_SECURITY_PROTOCOL", "ignored: the property wins",
                "engram.kafka.bootstrap-servers", "x:1",
                "quarkus.http.port", "8080");
        Map<String, String> settings = KafkaClients.passThrough(List.copyOf(values.keySet()), values::get);
        assertThat(settings).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "jaas"));
    }
}
