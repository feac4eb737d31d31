package io.engram.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaClients;
import io.engram.broker.Topics;
import io.engram.publish.ModelTopics;
import io.engram.support.Await;
import io.engram.support.ServiceProcess;
import io.engram.support.TestRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The service (a separate JVM with its embedded broker) killed with SIGKILL twice during a
 * four-task stream and restarted each time: every train example is learned exactly once into the
 * final state, versions are 1..4 with no gap or duplicate under read_committed, one metrics event
 * per task end, and the final accuracy matches an uninterrupted run within a small tolerance
 * (replayed learning draws fresh random numbers, so the states are equivalent, not identical).
 */
class CrashRecoveryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TASKS = 4;
    private static final int TRAIN = 400;
    private static final String MODEL = "crash";

    private static Map<String, String> environment(Path data, int port) {
        Map<String, String> env = new HashMap<>();
        env.put("ENGRAM_DATA_DIR", data.toString());
        env.put("ENGRAM_KAFKA_EMBEDDED_PORT", Integer.toString(port));
        env.put("ENGRAM_LEARNER_METHOD", "er");
        env.put("ENGRAM_LEARNER_REPLAY_CAPACITY", "200");
        env.put("ENGRAM_CONSOLIDATION_METHOD", "kfac");
        env.put("ENGRAM_MODEL_INPUT_SIZE", "12");
        env.put("ENGRAM_MODEL_HIDDEN", "16");
        env.put("ENGRAM_MODEL_CLASSES", "3");
        env.put("ENGRAM_MODEL_LABELS", "a,b,c");
        env.put("ENGRAM_CHECKPOINT_EVERY_EXAMPLES", "150");
        // the default snapshot interval (30 s): after the first checkpoint the kills land far from the next, so task ends
        // fall inside the replayed range and must not be answered twice
        env.put("ENGRAM_EVALUATION_EVERY_EXAMPLES", "0");
        return env;
    }

    private static List<byte[]> stream() {
        SplittableRandom random = new SplittableRandom(21);
        List<byte[]> records = new ArrayList<>();
        for (int task = 0; task < TASKS; task++) {
            for (String split : new String[] {"eval", "train"}) {
                for (int i = 0; i < (split.equals("eval") ? 60 : TRAIN); i++) {
                    int c = random.nextInt(3);
                    StringBuilder x = new StringBuilder();
                    for (int d = 0; d < 12; d++) {
                        boolean on = d / 3 == task && d % 3 == c;
                        x.append(d == 0 ? "" : ",").append(String.format("%.3f", random.nextGaussian() * 0.3 + (on ? 1.5 : 0)));
                    }
                    records.add(TestRecords.utf8("{\"task\":\"t" + task + "\",\"x\":[" + x + "],\"y\":" + c + ",\"split\":\"" + split + "\"}"));
                }
            }
            records.add(TestRecords.utf8("{\"type\":\"task_end\",\"task\":\"t" + task + "\"}"));
        }
        return records;
    }

    private static long trained(ServiceProcess service) {
        try {
            return JSON.readTree(service.get("/api/status").body()).path("models").path(MODEL).path("trained").asLong(-1);
        } catch (Exception e) {
            return -1;
        }
    }

    private static Map<String, byte[]> manifests(KafkaClients clients) {
        return ModelTopics.readLatest(clients, new Topics("engram.").models(), k -> k.startsWith(MODEL + ":") && !k.contains(":@"));
    }

    private static List<String> triggers(Map<String, byte[]> manifests) {
        return io.engram.support.Versions.triggers(manifests, MODEL);
    }

    /** Waits for the version answering the last task end; returns it. */
    private static JsonNode runToEnd(ServiceProcess service, KafkaClients clients) throws Exception {
        Map<String, byte[]> found = new HashMap<>();
        Await.until(Duration.ofSeconds(180), "a version answering task_end:t" + (TASKS - 1), () -> {
            found.clear();
            found.putAll(manifests(clients));
            return triggers(found).contains("task_end:t" + (TASKS - 1));
        }, () -> found.keySet() + " status " + service.get("/api/status").body());
        return JSON.readTree(found.get(MODEL + ":" + found.size()));
    }

    @Test
    void killedTwiceMidStream_learnsEveryExampleOnceAndPublishesEachVersionOnce() throws Exception {
        Path root = Files.createDirectories(Path.of("target", "crash-it", UUID.randomUUID().toString()));
        List<byte[]> records = stream();

        // uninterrupted reference run
        JsonNode reference;
        int referencePort = ServiceProcess.freePort();
        try (ServiceProcess service = ServiceProcess.start(environment(root.resolve("reference"), referencePort))) {
            service.awaitReady(Duration.ofSeconds(60));
            KafkaClients clients = new KafkaClients("127.0.0.1:" + referencePort, Map.of(), 10_000);
            TestRecords.produce(clients, "engram.examples", MODEL, records);
            reference = runToEnd(service, clients);
        }

        // the stream in three parts, so each kill lands mid-task: t0 and half of t1, then up to mid t2, then the rest
        int perTask = 60 + TRAIN + 1;
        List<byte[]> partA = records.subList(0, perTask + 60 + TRAIN / 2);
        List<byte[]> partB = records.subList(partA.size(), 2 * perTask + 60 + TRAIN / 2);
        List<byte[]> partC = records.subList(partA.size() + partB.size(), records.size());

        int port = ServiceProcess.freePort();
        Path data = root.resolve("crashing");
        KafkaClients clients = new KafkaClients("127.0.0.1:" + port, Map.of(), 10_000);
        ServiceProcess first = ServiceProcess.start(environment(data, port));
        first.awaitReady(Duration.ofSeconds(60));
        TestRecords.produce(clients, "engram.examples", MODEL, partA);
        Await.until(Duration.ofSeconds(120), "part A learned", () -> trained(first) == TRAIN + TRAIN / 2, () -> trained(first));
        first.process().destroyForcibly().waitFor(); // kill -9 in the middle of task t1

        ServiceProcess second = ServiceProcess.start(environment(data, port));
        second.awaitReady(Duration.ofSeconds(90));
        TestRecords.produce(clients, "engram.examples", MODEL, partB);
        Await.until(Duration.ofSeconds(120), "part B learned", () -> trained(second) == 2 * TRAIN + TRAIN / 2, () -> trained(second));
        assertThat(second.output()).contains("restored 1 model(s)");
        second.process().destroyForcibly().waitFor(); // kill -9 in the middle of task t2, after t1's version

        try (ServiceProcess third = ServiceProcess.start(environment(data, port))) {
            third.awaitReady(Duration.ofSeconds(90));
            TestRecords.produce(clients, "engram.examples", MODEL, partC);
            JsonNode last = runToEnd(third, clients);
            assertThat(third.output()).contains("restored 1 model(s)")
                    .as("the same data dir: the state partition is read from the cached marker on, not from its beginning")
                    .contains("model(s) from the local cache");

            Map<String, byte[]> versions = manifests(clients);
            assertThat(triggers(versions)).as("every task end answered once, in order, by versions 1..n without gap")
                    .containsExactly("task_end:t0", "task_end:t1", "task_end:t2", "task_end:t3");
            for (int v = 1; v <= versions.size(); v++) {
                JsonNode m = JSON.readTree(versions.get(MODEL + ":" + v));
                assertThat(m.get("parent").isNull() ? 0 : m.get("parent").asLong()).isEqualTo(v - 1);
            }
            assertThat(last.get("examples_seen").asLong()).as("train examples learned into the final state")
                    .isEqualTo((long) TASKS * TRAIN);
            int taskEndEvents = 0;
            for (ConsumerRecord<byte[], byte[]> r : TestRecords.readAll(clients, "engram.metrics")) {
                if (MODEL.equals(new String(r.key())) && !JSON.readTree(r.value()).get("after_task").isNull()) {
                    taskEndEvents++;
                }
            }
            assertThat(taskEndEvents).as("metrics events of task ends under read_committed").isEqualTo(TASKS);
            assertThat(last.get("metrics").get("acc").asDouble()).as("final ACC against the uninterrupted run's")
                    .isCloseTo(reference.get("metrics").get("acc").asDouble(), within(0.1));
            third.process().destroy();
            third.awaitExit(Duration.ofSeconds(30));
            assertThat(third.output()).as("SIGTERM finishes, hands its partition over with a snapshot, exits").contains("snapshot (hand-over)");
        }
    }
}
