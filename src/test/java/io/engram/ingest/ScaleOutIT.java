package io.engram.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.EmbeddedKafkaBroker;
import io.engram.broker.KafkaClients;
import io.engram.broker.Topics;
import io.engram.support.Await;
import io.engram.support.ServiceProcess;
import io.engram.support.TestRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Packaged instances in one consumer group on one broker, four models on four partitions, at the
 * service's default settings (784 inputs, MER, K-FAC) except the partition count: models move
 * with their partitions and their state comes from {@code engram.state}.
 *
 * <ul>
 *   <li>SIGKILL of one of two after every model has version 1: the survivor finishes every model
 *       with versions 1..V exactly once under read_committed and {@code examples_seen} equal to
 *       what was produced; the time from the kill to the survivor's first learned record of a
 *       moved model is printed.
 *   <li>SIGTERM of one of two hands its models over with a snapshot at the committed offset (the
 *       new owner replays nothing), and a third instance that joins takes models over the same way.
 * </ul>
 */
class ScaleOutIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 4;
    private static final int TRAIN = 120;
    private static final int EVAL = 30;

    private EmbeddedKafkaBroker broker;
    private KafkaClients clients;
    private Path root;
    private final List<ServiceProcess> started = new ArrayList<>();

    @BeforeEach
    void startBroker() throws Exception {
        root = Files.createDirectories(Path.of("target", "scale-out-it", UUID.randomUUID().toString()));
        broker = new EmbeddedKafkaBroker(root.resolve("broker"), 0).start();
        clients = new KafkaClients(broker.bootstrapServers(), Map.of(), 10_000);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (ServiceProcess p : started) {
            p.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private ServiceProcess instance(String name) {
        Map<String, String> env = new HashMap<>();
        env.put("ENGRAM_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("ENGRAM_KAFKA_TOPICS_PARTITIONS", Integer.toString(PARTITIONS));
        env.put("ENGRAM_DATA_DIR", root.resolve(name).toString());
        ServiceProcess p = ServiceProcess.start(env);
        started.add(p);
        return p;
    }

    /** Four model ids the default partitioner puts on partitions 0..3, one each. */
    static List<String> models() {
        Map<Integer, String> byPartition = new TreeMap<>();
        for (int i = 0; byPartition.size() < PARTITIONS; i++) {
            String id = "m" + i;
            byPartition.putIfAbsent(Utils.toPositive(Utils.murmur2(TestRecords.utf8(id))) % PARTITIONS, id);
        }
        return List.copyOf(byPartition.values());
    }

    /** One task of one model: eval examples, train examples, then its task end (784 inputs, 10 classes). */
    private void produceTask(List<String> models, int task) throws Exception {
        SplittableRandom random = new SplittableRandom(17 + task);
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("scale-out-it")) {
            for (String model : models) {
                for (int i = 0; i < EVAL + TRAIN; i++) {
                    int y = random.nextInt(10);
                    StringBuilder x = new StringBuilder();
                    for (int d = 0; d < 784; d++) {
                        boolean on = (d + 31 * task) % 10 == y && d % 7 == 0;
                        x.append(d == 0 ? "" : ",").append(on ? "0.9" : random.nextInt(8) == 0 ? "0.2" : "0");
                    }
                    String split = i < EVAL ? "eval" : "train";
                    producer.send(new ProducerRecord<>("engram.examples", TestRecords.utf8(model), TestRecords.utf8(
                            "{\"task\":\"t" + task + "\",\"x\":[" + x + "],\"y\":" + y + ",\"split\":\"" + split + "\"}")));
                }
                producer.send(new ProducerRecord<>("engram.examples", TestRecords.utf8(model),
                        TestRecords.utf8("{\"type\":\"task_end\",\"task\":\"t" + task + "\"}")));
            }
            producer.flush();
        }
    }

    /** Every manifest record on engram.models under read_committed, by key, in the order read (duplicates kept). */
    private Map<String, List<JsonNode>> manifests() throws Exception {
        Map<String, List<JsonNode>> out = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TestRecords.readAll(clients, new Topics("engram.").models())) {
            String key = new String(r.key());
            if (!key.contains(":@") && r.value() != null) {
                out.computeIfAbsent(key, k -> new ArrayList<>()).add(JSON.readTree(r.value()));
            }
        }
        return out;
    }

    private void awaitVersions(List<String> models, int versions, ServiceProcess... instances) {
        Await.until(Duration.ofSeconds(300), "every model at version " + versions, () -> {
            try {
                Map<String, List<JsonNode>> found = manifests();
                return models.stream().allMatch(m -> found.containsKey(m + ":" + versions));
            } catch (Exception e) {
                return false;
            }
        }, () -> {
            StringBuilder seen = new StringBuilder();
            try {
                seen.append(manifests().keySet());
            } catch (Exception e) {
                seen.append(e);
            }
            for (ServiceProcess p : instances) {
                seen.append("\n--- instance ").append(p.httpPort()).append(": ").append(p.get("/api/status").body())
                        .append("\n").append(p.tail());
            }
            return seen;
        });
    }

    /** Versions 1..V of every model exactly once, each the child of the one before, with every train example learned. */
    private void assertExactlyOnce(List<String> models, int versions) throws Exception {
        Map<String, List<JsonNode>> found = manifests();
        for (String model : models) {
            for (int v = 1; v <= versions; v++) {
                List<JsonNode> copies = found.get(model + ":" + v);
                assertThat(copies).as(model + " version " + v + " under read_committed").hasSize(1);
                JsonNode m = copies.get(0);
                assertThat(m.get("parent").isNull() ? 0 : m.get("parent").asLong()).isEqualTo(v - 1);
                assertThat(m.get("trigger").asText()).isEqualTo("task_end:t" + (v - 1));
                assertThat(m.get("examples_seen").asLong()).as(model + " v" + v + " examples_seen").isEqualTo((long) v * TRAIN);
            }
            assertThat(found).as(model + " has no version beyond " + versions).doesNotContainKey(model + ":" + (versions + 1));
        }
    }

    private static JsonNode status(ServiceProcess p) {
        try {
            return JSON.readTree(p.get("/api/status").body());
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    /** The partitions an instance owns now, from its status. */
    private static List<String> ownedPartitions(ServiceProcess p) {
        List<String> out = new ArrayList<>();
        status(p).path("instance").path("partitions").forEach(part -> out.add(part.path("partition").asText()));
        return out;
    }

    /** The models an instance learns now, from its status. */
    private static List<String> ownedModels(ServiceProcess p) {
        List<String> out = new ArrayList<>();
        status(p).path("instance").path("partitions").forEach(part -> part.path("models").forEach(m -> out.add(m.asText())));
        return out;
    }

    /** Both instances ready, every model at version 1, each instance owning some of them. */
    private void firstTaskOnBoth(List<String> models, ServiceProcess a, ServiceProcess b) throws Exception {
        a.awaitReady(Duration.ofSeconds(120));
        b.awaitReady(Duration.ofSeconds(120));
        produceTask(models, 0);
        awaitVersions(models, 1, a, b);
        Await.until(Duration.ofSeconds(60), "both instances own models", () -> !ownedModels(a).isEmpty() && !ownedModels(b).isEmpty(),
                () -> ownedModels(a) + " / " + ownedModels(b));
    }

    @Test
    void killedInstance_survivorFinishesEveryModelExactlyOnce() throws Exception {
        List<String> models = models();
        ServiceProcess a = instance("a");
        ServiceProcess b = instance("b");
        firstTaskOnBoth(models, a, b);
        List<String> moved = ownedModels(b);

        long killed = System.nanoTime();
        b.process().destroyForcibly().waitFor();
        produceTask(models, 1);
        Await.until(Duration.ofSeconds(120), "the survivor learns a moved model's new task", () -> {
            JsonNode s = status(a).path("models");
            return moved.stream().anyMatch(m -> s.path(m).path("trained").asLong(0) > TRAIN);
        }, () -> status(a) + "\n" + a.tail());
        double seconds = (System.nanoTime() - killed) / 1e9;
        System.out.printf("ScaleOutIT: kill -9 to the survivor's first learned record of a moved model: %.1f s (models moved: %s)%n",
                seconds, moved);

        awaitVersions(models, 2, a);
        assertExactlyOnce(models, 2);
        assertThat(ownedModels(a)).containsExactlyInAnyOrderElementsOf(models);
        assertThat(a.output()).contains("restored");
    }

    @Test
    void gracefulScaleDownAndUp_handOverWithoutReplay() throws Exception {
        List<String> models = models();
        ServiceProcess a = instance("a");
        ServiceProcess b = instance("b");
        firstTaskOnBoth(models, a, b);

        Await.until(Duration.ofSeconds(60), "no replay in progress", () -> !a.output().contains("replaying offsets")
                || status(a).path("instance").path("partitions").findValues("replaying").stream().noneMatch(JsonNode::asBoolean),
                () -> status(a));
        List<String> movedPartitions = ownedPartitions(b);
        int before = a.output().length();
        b.process().destroy(); // SIGTERM: b snapshots its partitions at their committed offsets and leaves the group
        b.awaitExit(Duration.ofSeconds(60));
        assertThat(b.output()).contains("snapshot (hand-over)");
        produceTask(models, 1);
        awaitVersions(models, 2, a);
        assertThat(ownedModels(a)).containsExactlyInAnyOrderElementsOf(models);
        String after = a.output().substring(before);
        for (String partition : movedPartitions) {
            // a batch of a's in flight when b left may fail its commit (the group generation moved on) and roll a's own
            // partitions back; the partitions b handed over sit at their committed offsets either way
            assertThat(after).as("the hand-over snapshot of " + partition + " sits at the committed offset: nothing to replay")
                    .contains(partition + ": restored").doesNotContain(partition + ": replaying offsets");
        }

        ServiceProcess c = instance("c"); // scale up: the group moves some partitions from a to c, gracefully
        c.awaitReady(Duration.ofSeconds(120));
        Await.until(Duration.ofSeconds(90), "the new instance owns models", () -> !ownedModels(c).isEmpty(),
                () -> ownedModels(a) + " / " + ownedModels(c) + "\n" + c.tail());
        produceTask(models, 2);
        awaitVersions(models, 3, a, c);
        assertExactlyOnce(models, 3);
        assertThat(a.output()).contains("Handed over");
        assertThat(c.output()).as("taken over from a's hand-over snapshots").contains("restored").doesNotContain("replaying offsets");
        List<String> all = new ArrayList<>(ownedModels(a));
        all.addAll(ownedModels(c));
        assertThat(all).containsExactlyInAnyOrderElementsOf(models);
        // HTTP and the dashboard of either instance list every model and its newest version, learned here or not
        for (ServiceProcess p : List.of(a, c)) {
            Await.until(Duration.ofSeconds(60), "instance " + p.httpPort() + " lists every model at version 3", () -> {
                String listing = p.get("/api/models").body();
                return models.stream().allMatch(m -> p.get("/api/models/" + m + "/versions/3").code() == 200
                        && listing.contains("\"" + m + "\""));
            }, () -> p.get("/api/models").body());
        }
    }
}
