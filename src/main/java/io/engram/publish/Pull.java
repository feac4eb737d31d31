package io.engram.publish;

import com.fasterxml.jackson.databind.JsonNode;
import io.engram.broker.KafkaClients;
import io.engram.broker.Topics;
import io.engram.command.CommandSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * {@code ./engram pull --model M --version V|latest|stable [--format onnx] --out FILE}: rebuilds a
 * version's artifact (the DL4J zip, or with {@code --format onnx} its ONNX model) from Kafka alone
 * (no HTTP), checks the chunk count, size and SHA-256 against the manifest, and writes it atomically. Kafka, its
 * client settings and the topics are the service's (its settings: application.properties, the environment), unless
 * {@code --bootstrap} or {@code --topic-prefix} say otherwise.
 */
public final class Pull {

    private Pull() {
    }

    /** What a pull found. */
    public record Pulled(JsonNode manifest, byte[] artifact) {
    }

    public static void main(String[] args) {
        io.engram.command.Commands.run(new Command(), args);
    }

    /** {@code ./engram pull}: options checked by picocli (unknown or missing ones print the usage). */
    @picocli.CommandLine.Command(name = "engram pull", mixinStandardHelpOptions = true,
            description = "Fetch a model version from Kafka alone, check its chunks and SHA-256, write it to a file.")
    static final class Command implements java.util.concurrent.Callable<Integer> {

        @picocli.CommandLine.Option(names = "--model", required = true, description = "model id")
        String model;

        @picocli.CommandLine.Option(names = "--version", defaultValue = "latest", description = "N, latest or stable (default: ${DEFAULT-VALUE})")
        String version;

        @picocli.CommandLine.Option(names = "--format", defaultValue = Artifacts.FORMAT,
                description = Artifacts.FORMAT + " or " + Artifacts.ONNX + " (default: ${DEFAULT-VALUE})")
        String format;

        @picocli.CommandLine.Option(names = "--out", required = true, description = "file to write")
        Path out;

        @picocli.CommandLine.Option(names = "--bootstrap", description = "Kafka; default the service's: engram.kafka.bootstrap-servers, "
                + "else its embedded broker at 127.0.0.1:engram.kafka.embedded.port (application.properties, the environment)")
        String bootstrap;

        @picocli.CommandLine.Option(names = "--topic-prefix", description = "default the service's engram.topic-prefix (engram.)")
        String topicPrefix;

        @Override
        public Integer call() {
            CommandSettings settings = CommandSettings.load();
            KafkaClients clients = settings.kafkaClients(bootstrap);
            String servers = clients.bootstrapServers();
            Topics topics = settings.topics(topicPrefix);
            try {
                Pulled pulled = pull(clients, topics, model, version, format);
                write(out, pulled.artifact());
                JsonNode entry = ModelTopics.artifactEntry(pulled.manifest(), format);
                System.out.printf("Pulled model %s version %d, %s (%d bytes, %d chunks, SHA-256 %s) to %s%n", model,
                        pulled.manifest().get("version").asLong(), format, pulled.artifact().length,
                        entry.path("chunks").asInt(), entry.path("sha256").asText(), out);
                return 0;
            } catch (ModelTopics.ArtifactMismatchException | IllegalArgumentException e) {
                System.err.println("engram pull: " + e.getMessage());
                return 1;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                System.err.println("engram pull: Kafka at " + servers + " did not answer in time (" + e.getMessage()
                        + "); is it running, and is --bootstrap (or ENGRAM_KAFKA_BOOTSTRAP_SERVERS) right?");
                return 1;
            } catch (IOException | RuntimeException e) {
                System.err.println("engram pull: " + e);
                return 1;
            }
        }
    }

    /** Finds the version (number, latest or stable) on Kafka and rebuilds its verified DL4J artifact. */
    public static Pulled pull(KafkaClients clients, Topics topics, String model, String version) {
        return pull(clients, topics, model, version, Artifacts.FORMAT);
    }

    /** Finds the version (number, latest or stable) on Kafka and rebuilds its verified artifact of {@code format}. */
    public static Pulled pull(KafkaClients clients, Topics topics, String model, String version, String format) {
        if (!format.equals(Artifacts.FORMAT) && !format.equals(Artifacts.ONNX)) {
            throw new IllegalArgumentException("--format must be " + Artifacts.FORMAT + " (the default) or " + Artifacts.ONNX
                    + ", found '" + format + "'");
        }
        String prefix = model + ":";
        Map<String, byte[]> records = ModelTopics.readLatest(clients, topics.models(), k -> k.startsWith(prefix));
        long number;
        if (version.equals("latest") || version.equals("stable")) {
            byte[] alias = records.get(Artifacts.aliasKey(model, version));
            if (alias == null) {
                if (version.equals("latest")) {
                    number = records.keySet().stream().filter(k -> !k.contains(":@")).mapToLong(k -> Long.parseLong(k.substring(prefix.length())))
                            .max().orElseThrow(() -> new IllegalArgumentException("model '" + model + "' has no version on " + topics.models()));
                } else {
                    throw new IllegalArgumentException("model '" + model + "' has no stable version on " + topics.models());
                }
            } else {
                number = ModelTopics.json(alias).get("version").asLong();
            }
        } else {
            try {
                number = Long.parseLong(version);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--version must be a number, latest or stable, found '" + version + "'");
            }
        }
        byte[] manifestBytes = records.get(Artifacts.manifestKey(model, number));
        if (manifestBytes == null) {
            throw new IllegalArgumentException("model '" + model + "' has no version " + number + " on " + topics.models());
        }
        JsonNode manifest = ModelTopics.json(manifestBytes);
        String chunkPrefix = model + ":" + number + ":";
        Map<String, byte[]> chunks = ModelTopics.readLatest(clients, topics.modelChunks(), k -> k.startsWith(chunkPrefix));
        return new Pulled(manifest, ModelTopics.assemble(manifest, chunks, format));
    }

    private static void write(Path out, byte[] bytes) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, out.getFileName().toString(), ".part");
        Files.write(tmp, bytes);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
