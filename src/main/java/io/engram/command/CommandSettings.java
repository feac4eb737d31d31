package io.engram.command;

import io.engram.broker.EmbeddedKafkaBroker;
import io.engram.broker.KafkaClients;
import io.engram.broker.Topics;
import io.engram.config.EngramConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The service's settings for a command-line tool, read as the service reads them: the
 * {@code application.properties} on the classpath, the environment over it (Quarkus style:
 * {@code ENGRAM_KAFKA_EMBEDDED_PORT} is {@code engram.kafka.embedded.port}) and system properties
 * over both, through {@link EngramConfig}. A command's own flags win over all of them.
 */
public final class CommandSettings {

    /** The ordinals Quarkus gives these sources, so the same one wins as in the service. */
    private static final int APPLICATION_PROPERTIES = 250;
    private static final int ENVIRONMENT = 300;
    private static final int SYSTEM_PROPERTIES = 400;

    private final SmallRyeConfig config;
    private final EngramConfig engram;

    private CommandSettings(SmallRyeConfig config) {
        this.config = config;
        this.engram = config.getConfigMapping(EngramConfig.class);
    }

    /** This process's settings: its environment and system properties over application.properties. */
    public static CommandSettings load() {
        Map<String, String> properties = new HashMap<>();
        System.getProperties().forEach((k, v) -> properties.put(String.valueOf(k), String.valueOf(v)));
        return load(System.getenv(), properties);
    }

    /** The settings of a process with this environment and these system properties. */
    static CommandSettings load(Map<String, String> environment, Map<String, String> systemProperties) {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new EnvConfigSource(environment, ENVIRONMENT),
                        new PropertiesConfigSource(systemProperties, "system properties", SYSTEM_PROPERTIES))
                .withMapping(EngramConfig.class)
                // engram.kafka.client.* are Kafka client settings passed through, not keys of the mapping
                .withValidateUnknown(false);
        URL file = CommandSettings.class.getClassLoader().getResource("application.properties");
        if (file != null) {
            try {
                builder.withSources(new PropertiesConfigSource(file, APPLICATION_PROPERTIES));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return new CommandSettings(builder.build());
    }

    /** Every setting, as the service's raw {@code Config}. */
    SmallRyeConfig config() {
        return config;
    }

    public EngramConfig engram() {
        return engram;
    }

    /**
     * The Kafka the service uses: {@code flag} when given, else {@code engram.kafka.bootstrap-servers},
     * else the service's embedded broker on 127.0.0.1 at {@code engram.kafka.embedded.port}.
     */
    public String bootstrap(String flag) {
        if (flag != null && !flag.isBlank()) {
            return flag;
        }
        return engram.kafka().bootstrapServers().orElseGet(() -> EmbeddedKafkaBroker.address(engram.kafka().embedded().port()));
    }

    /**
     * Kafka clients as the service builds them, at {@link #bootstrap(String)}: its pass-through
     * client settings ({@code engram.kafka.client.*}, {@code ENGRAM_KAFKA_CLIENT_*}) and request timeout.
     */
    public KafkaClients kafkaClients(String bootstrapFlag) {
        return new KafkaClients(bootstrap(bootstrapFlag),
                KafkaClients.passThrough(config.getPropertyNames(), name -> config.getValue(name, String.class)),
                (int) engram.kafka().requestTimeout().toMillis());
    }

    /** The service's topics: under {@code flag} when given, else under {@code engram.topic-prefix}. */
    public Topics topics(String prefixFlag) {
        return new Topics(prefixFlag != null ? prefixFlag : engram.topicPrefix());
    }
}
