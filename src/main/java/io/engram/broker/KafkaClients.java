package io.engram.broker;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Builds every Kafka client of the service (consumer, producer, admin) from one bootstrap address
 * and one set of pass-through client settings ({@code engram.kafka.client.*}: security.protocol,
 * sasl.*, ssl.* and any other Kafka client property), so a TLS or SASL cluster needs settings only.
 */
public final class KafkaClients {

    /** Settings under this prefix go to every Kafka client, with the prefix removed. */
    public static final String PASS_THROUGH_PREFIX = "engram.kafka.client.";
    private static final String ENV_PREFIX = "ENGRAM_KAFKA_CLIENT_";

    private final String bootstrapServers;
    private final Map<String, String> passThrough;
    private final int requestTimeoutMs;

    public KafkaClients(String bootstrapServers, Map<String, String> passThrough, int requestTimeoutMs) {
        this.bootstrapServers = bootstrapServers;
        this.passThrough = Map.copyOf(passThrough);
        this.requestTimeoutMs = requestTimeoutMs;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public int requestTimeoutMs() {
        return requestTimeoutMs;
    }

    /**
     * Collects pass-through settings from configuration property names. Environment variables
     * {@code ENGRAM_KAFKA_CLIENT_SASL_JAAS_CONFIG} become {@code sasl.jaas.config}: Kafka client
     * property names use dots only, so every underscore stands for a dot.
     */
    public static Map<String, String> passThrough(Iterable<String> names, java.util.function.Function<String, String> value) {
        Map<String, String> settings = new HashMap<>();
        for (String name : names) {
            if (name.startsWith(PASS_THROUGH_PREFIX)) {
                settings.put(unquote(name.substring(PASS_THROUGH_PREFIX.length())), value.apply(name));
            } else if (name.startsWith(ENV_PREFIX)) {
                String key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                settings.putIfAbsent(key, value.apply(name));
            }
        }
        return settings;
    }

    private static String unquote(String key) {
        return key.length() > 1 && key.startsWith("\"") && key.endsWith("\"") ? key.substring(1, key.length() - 1) : key;
    }

    private Properties common(String clientId) {
        // pass-through settings are applied last (see putAll below), so they override these defaults
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMs);
        p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(requestTimeoutMs, 1000));
        p.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 5000);
        p.putAll(passThrough);
        return p;
    }

    /** A consumer with manual offset control that reads only committed transactional data. */
    public KafkaConsumer<byte[], byte[]> consumer(String groupId, String clientId) {
        return consumer(groupId, clientId, 2000);
    }

    /** The same with at most {@code maxPollRecords} records per poll (the ingest loop's batch bound). */
    public KafkaConsumer<byte[], byte[]> consumer(String groupId, String clientId, int maxPollRecords) {
        Properties p = common(clientId);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // large batches: each committed batch is one transaction, whose cost (a few ms) is shared by its records;
        // a 784-pixel example is ~5 KB of JSON, so the default 1 MiB per partition fetch held only ~200 of them
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        // a restarted instance gets its partitions back after this much silence of the dead one (default 45 s)
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        // incremental rebalances: an instance keeps its partitions (and its models' state) when another joins or
        // leaves; only the partitions that move are revoked
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** An idempotent producer that waits for every in-sync replica. */
    public KafkaProducer<byte[], byte[]> producer(String clientId) {
        return new KafkaProducer<>(producerProperties(clientId));
    }

    /** A transactional producer: idempotent, acks=all, with {@code transactional.id}. */
    public KafkaProducer<byte[], byte[]> transactionalProducer(String clientId, String transactionalId) {
        return transactionalProducer(clientId, transactionalId, 60_000);
    }

    /** The same with {@code transaction.timeout.ms}: the broker aborts a transaction open longer. */
    public KafkaProducer<byte[], byte[]> transactionalProducer(String clientId, String transactionalId, int transactionTimeoutMs) {
        Properties p = producerProperties(clientId);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, transactionTimeoutMs);
        return new KafkaProducer<>(p);
    }

    private Properties producerProperties(String clientId) {
        Properties p = common(clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.max(requestTimeoutMs, 1000));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(requestTimeoutMs * 3, 30_000));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putAll(passThrough); // pass-through settings win over these defaults too
        return p;
    }

    public Admin admin(String clientId) {
        return Admin.create(common(clientId));
    }
}
