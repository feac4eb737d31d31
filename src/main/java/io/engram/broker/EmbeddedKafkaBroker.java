package io.engram.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one node),
 * running inside this JVM on 127.0.0.1. Its log directory is formatted on first use and kept,
 * so a restart finds its topics and offsets again.
 *
 * <p>Call order: {@link #start()} once, then {@link #bootstrapServers()}, then {@link #close()}.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;

    private final Path logDir;
    private final int requestedPort;
    private final SaslPlain sasl;
    private final int requestedControllerPort;
    private KafkaRaftServer server;
    private int port;

    /**
     * SASL/PLAIN on the client listener: the broker's own login and the users it accepts.
     * The controller listener stays PLAINTEXT on loopback.
     */
    public record SaslPlain(String brokerUser, String brokerPassword, Map<String, String> users) {
    }

    /** A PLAINTEXT broker. {@code port} 0 picks a free port. */
    public EmbeddedKafkaBroker(Path logDir, int port) {
        this(logDir, port, null);
    }

    /** A broker whose client listener is SASL_PLAINTEXT with PLAIN users, or PLAINTEXT when {@code sasl} is null. */
    public EmbeddedKafkaBroker(Path logDir, int port, SaslPlain sasl) {
        this(logDir, port, sasl, 0);
    }

    /** With a fixed controller port too (0 = free), so a restart on the same log directory finds the same quorum. */
    public EmbeddedKafkaBroker(Path logDir, int port, SaslPlain sasl, int controllerPort) {
        this.logDir = logDir.toAbsolutePath();
        this.requestedPort = port;
        this.sasl = sasl;
        this.requestedControllerPort = controllerPort;
    }

    /** Formats the log directory if needed and starts the broker; returns once it accepts clients. */
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            throw new IllegalStateException("embedded broker already started");
        }
        long started = System.nanoTime();
        int[] free = freePorts(2); // both held open while choosing, so they differ
        port = requestedPort == 0 ? free[0] : requestedPort;
        int controllerPort = requestedControllerPort == 0 ? (free[1] == port ? free[0] : free[1]) : requestedControllerPort;
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the embedded broker's log directory " + logDir, e);
        }
        KafkaConfig config = KafkaConfig.fromProps(properties(port, controllerPort), false);
        format(config);
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        LOG.info("Embedded Kafka broker (KRaft) ready at {} in {} ms, logs in {}", bootstrapServers(),
                (System.nanoTime() - started) / 1_000_000, logDir);
        return this;
    }

    /** {@code 127.0.0.1:port} of the client listener. */
    public String bootstrapServers() {
        return address(port);
    }

    /** Where an embedded broker listening on {@code port} takes clients: {@code 127.0.0.1:port}. */
    public static String address(int port) {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /** Stops the broker and waits until it has shut down. */
    @Override
    public synchronized void close() {
        if (server != null) {
            LOG.info("Stopping the embedded Kafka broker at {}", bootstrapServers());
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    private Properties properties(int clientPort, int controllerPort) {
        String clientProtocol = sasl == null ? "PLAINTEXT" : "SASL_PLAINTEXT";
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.put("listeners", "CLIENT://" + HOST + ":" + clientPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "CLIENT://" + HOST + ":" + clientPort);
        p.put("listener.security.protocol.map", "CLIENT:" + clientProtocol + ",CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "CLIENT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // abort timed-out transactions within a second of their timeout (default: checked every 10 s)
        p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        p.put("auto.create.topics.enable", "false");
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        if (sasl != null) {
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
                    .append(" username=\"").append(sasl.brokerUser()).append('"')
                    .append(" password=\"").append(sasl.brokerPassword()).append('"')
                    .append(" user_").append(sasl.brokerUser()).append("=\"").append(sasl.brokerPassword()).append('"');
            sasl.users().forEach((user, password) ->
                    jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
            jaas.append(';');
            p.put("sasl.enabled.mechanisms", "PLAIN");
            p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
            p.put("listener.name.client.plain.sasl.jaas.config", jaas.toString());
        }
        return p;
    }

    private void format(KafkaConfig config) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .addDirectory(logDir.toString())
                    .setIgnoreFormatted(true)
                    .setPrintStream(quiet)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the embedded broker's log directory " + logDir, e);
        }
        LOG.info("Formatted KRaft storage in {}", logDir);
    }

    private static int[] freePorts(int n) {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                sockets[i].setReuseAddress(true);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // closing a probe socket
                    }
                }
            }
        }
    }
}
