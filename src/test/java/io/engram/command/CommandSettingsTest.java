package io.engram.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandSettingsTest {

    private static final Map<String, String> NONE = Map.of();

    @Test
    void bootstrap_withNothingSet_isTheEmbeddedBrokerOnItsDefaultPort() {
        assertThat(CommandSettings.load(NONE, NONE).bootstrap(null)).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void bootstrap_followsTheEmbeddedPortOfTheServiceSettings() {
        assertThat(CommandSettings.load(NONE, Map.of("engram.kafka.embedded.port", "58075")).bootstrap(null))
                .isEqualTo("127.0.0.1:58075");
        assertThat(CommandSettings.load(Map.of("ENGRAM_KAFKA_EMBEDDED_PORT", "58076"), NONE).bootstrap(null))
                .isEqualTo("127.0.0.1:58076");
    }

    @Test
    void bootstrap_isTheConfiguredBrokerWhenBootstrapServersIsSet() {
        Map<String, String> properties = Map.of("engram.kafka.embedded.port", "58075", "engram.kafka.bootstrap-servers", "k1:9093,k2:9093");
        assertThat(CommandSettings.load(NONE, properties).bootstrap(null)).isEqualTo("k1:9093,k2:9093");
        assertThat(CommandSettings.load(Map.of("ENGRAM_KAFKA_BOOTSTRAP_SERVERS", "k3:9093"), NONE).bootstrap(null)).isEqualTo("k3:9093");
    }

    @Test
    void bootstrap_flagWinsOverTheSettings() {
        CommandSettings settings = CommandSettings.load(NONE, Map.of("engram.kafka.bootstrap-servers", "k1:9093"));
        assertThat(settings.bootstrap("flag:1")).isEqualTo("flag:1");
        assertThat(settings.kafkaClients("flag:1").bootstrapServers()).isEqualTo("flag:1");
    }

    @Test
    void systemPropertiesWinOverTheEnvironment_asInTheService() {
        CommandSettings settings = CommandSettings.load(Map.of("ENGRAM_KAFKA_EMBEDDED_PORT", "1111"), Map.of("engram.kafka.embedded.port", "2222"));
        assertThat(settings.bootstrap(null)).isEqualTo("127.0.0.1:2222");
    }

    @Test
    void kafkaClients_takeTheServiceRequestTimeoutAndTopicsItsPrefix() {
        CommandSettings settings = CommandSettings.load(Map.of("ENGRAM_KAFKA_REQUEST_TIMEOUT", "3s", "ENGRAM_TOPIC_PREFIX", "team-a."), NONE);
        assertThat(settings.kafkaClients(null).requestTimeoutMs()).isEqualTo(3000);
        assertThat(settings.topics(null).examples()).isEqualTo("team-a.examples");
        assertThat(settings.topics("flag.").examples()).isEqualTo("flag.examples");
    }

    @Test
    void applicationProperties_isReadFromTheClasspath() {
        // a key only application.properties sets (outside any profile): the mapping sees the file
        assertThat(CommandSettings.load(NONE, NONE).config().getRawValue("quarkus.application.name")).isEqualTo("engram");
    }
}
