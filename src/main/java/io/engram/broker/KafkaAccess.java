package io.engram.broker;

import io.engram.config.EngramConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's way to Kafka: starts the embedded broker when no external one is configured,
 * builds the clients, creates the topics, and answers whether the broker is reachable.
 */
@ApplicationScoped
public class KafkaAccess {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaAccess.class);
    /** A probe answer is reused this long, so health polling does not flood the broker. */
    private static final long PROBE_CACHE_NANOS = TimeUnit.SECONDS.toNanos(2);

    @Inject
    EngramConfig config;

    @Inject
    Config rawConfig;

    private EmbeddedKafkaBroker embedded;
    private org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> outputProducer;
    private volatile Outbox outbox;
    private KafkaClients clients;
    private Admin probeAdmin;
    private volatile Probe lastProbe;

    /** The outcome of one reachability probe. */
    public record Probe(boolean reachable, String message, long atNanos) {
    }

    /** Starts the embedded broker if needed, then creates missing topics (retried by the caller on failure). */
    public synchronized void start() {
        String bootstrap;
        if (config.kafka().bootstrapServers().isPresent()) {
            bootstrap = config.kafka().bootstrapServers().get();
            LOG.info("Using Kafka at {}", bootstrap);
        } else {
            Path logs = Path.of(config.dataDir(), "kafka");
            embedded = new EmbeddedKafkaBroker(logs, config.kafka().embedded().port()).start();
            bootstrap = embedded.bootstrapServers();
        }
        clients = new KafkaClients(bootstrap,
                KafkaClients.passThrough(rawConfig.getPropertyNames(), name -> rawConfig.getValue(name, String.class)),
                (int) config.kafka().requestTimeout().toMillis());
        probeAdmin = clients.admin("engram-probe");
    }

    /** Creates the contract's topics when missing. */
    public void ensureTopics() {
        TopicSetup.ensure(probeAdmin, topics(), config.kafka().topics().partitions(),
                config.kafka().topics().replicationFactor(), config.kafka().requestTimeout().toMillis());
    }

    /**
     * The transactional outbox every output of the ingest thread goes through; created (and its
     * transactions initialised, fencing any older instance with the same id) on first call.
     */
    public synchronized Outbox outbox() {
        if (outbox == null || outbox.discarded()) {
            String id = transactionalId();
            outbox = null;
            outputProducer = clients().transactionalProducer("engram-outputs", id,
                    (int) config.kafka().transactionTimeout().toMillis());
            try {
                outbox = Outbox.transactional(outputProducer, config.publish().maxOutputBytes());
            } catch (RuntimeException e) {
                outputProducer.close(java.time.Duration.ZERO);
                outputProducer = null;
                throw e;
            }
        }
        return outbox;
    }

    private String instanceId;

    /**
     * This instance's id (in logs, status and the default transactional id): random on first
     * start, kept in {@code engram.data-dir/instance-id}, so instances with their own data dirs
     * never share a transactional id, and a restarted instance takes its old id back, which aborts
     * a transaction its killed predecessor left open at once instead of after the transaction timeout.
     */
    public synchronized String instanceId() {
        if (instanceId == null) {
            Path file = Path.of(config.dataDir(), "instance-id");
            try {
                if (java.nio.file.Files.isRegularFile(file)) {
                    String stored = java.nio.file.Files.readString(file).trim();
                    if (stored.matches("[A-Za-z0-9._-]{1,64}")) {
                        instanceId = stored;
                    }
                }
                if (instanceId == null) {
                    instanceId = java.util.UUID.randomUUID().toString().substring(0, 8);
                    java.nio.file.Files.createDirectories(file.getParent());
                    java.nio.file.Files.writeString(file, instanceId + "\n");
                }
            } catch (java.io.IOException e) {
                instanceId = java.util.UUID.randomUUID().toString().substring(0, 8);
                LOG.warn("Cannot keep the instance id in {} ({}); using {} for this run", file, e.toString(), instanceId);
            }
        }
        return instanceId;
    }

    /** The output producer's {@code transactional.id}. */
    public String transactionalId() {
        return config.kafka().transactionalId().orElse(config.kafka().groupId() + "-outputs-" + instanceId());
    }

    public KafkaClients clients() {
        if (clients == null) {
            throw new IllegalStateException("Kafka access not started");
        }
        return clients;
    }

    public Topics topics() {
        return new Topics(config.topicPrefix());
    }

    /** The bootstrap address in use (the embedded broker's when none is configured). */
    public String bootstrapServers() {
        return clients().bootstrapServers();
    }

    /** Whether the broker answers a metadata request now; cached for two seconds. */
    public Probe probe() {
        Probe last = lastProbe;
        if (last != null && System.nanoTime() - last.atNanos() < PROBE_CACHE_NANOS) {
            return last;
        }
        Probe probe;
        if (probeAdmin == null) {
            probe = new Probe(false, "not started", System.nanoTime());
        } else {
            try {
                int timeout = (int) Math.min(config.kafka().requestTimeout().toMillis(), 3000);
                int nodes = probeAdmin.describeCluster(new DescribeClusterOptions().timeoutMs(timeout))
                        .nodes().get(timeout + 500L, TimeUnit.MILLISECONDS).size();
                probe = new Probe(true, nodes + " broker(s) at " + clients.bootstrapServers(), System.nanoTime());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                probe = new Probe(false, "interrupted", System.nanoTime());
            } catch (Exception e) {
                Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
                probe = new Probe(false, BrokerAccessException.from(cause).getMessage(), System.nanoTime());
            }
        }
        lastProbe = probe;
        return probe;
    }

    /** Closes the clients and stops the embedded broker, if any. */
    public synchronized void stop() {
        if (outputProducer != null) {
            outputProducer.close(java.time.Duration.ofSeconds(5));
            outputProducer = null;
            outbox = null;
        }
        if (probeAdmin != null) {
            probeAdmin.close(java.time.Duration.ofSeconds(5));
            probeAdmin = null;
        }
        if (embedded != null) {
            embedded.close();
            embedded = null;
        }
    }
}
