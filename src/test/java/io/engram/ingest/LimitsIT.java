package io.engram.ingest;

import static io.engram.support.TestRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaAccess;
import io.engram.learn.LearnerRegistry;
import io.engram.publish.ModelTopics;
import io.engram.support.Await;
import io.engram.support.TestRecords;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The bounds at their defaults, through Kafka: 300 new model ids (one tiny publish record each)
 * make the first {@code engram.ingest.max-models} = 8 models and dead-letter the rest as
 * {@code too_many_models}; a model that learned before still publishes after that flood. 600 task
 * ends with new names make {@code engram.learner.max-tasks} = 256 tasks and dead-letter the rest as
 * {@code too_many_tasks}; the burst folds into a few versions (not hundreds), every output stays
 * under the topic's limit, metrics events carry a window of 20 tasks, and a later normal task end
 * still gets its version.
 */
@QuarkusTest
@TestProfile(LimitsIT.Defaults.class)
class LimitsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The service with the default model limit (the shared test profile raises it). */
    public static class Defaults implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("engram.ingest.max-models", "8");
        }
    }

    @Inject
    KafkaAccess kafka;

    @Inject
    LearnerRegistry learners;

    @Test
    void shouldBoundModelsAndTasksAndFoldABurstOfTaskEnds() throws Exception {
        String run = "lim" + UUID.randomUUID().toString().substring(0, 6);
        String learned = run + "-learned";
        TestRecords.produce(kafka.clients(), kafka.topics().examples(), learned, List.of(
                utf8("{\"task\":\"a\",\"x\":[0.1,0.2,0.3,0.4],\"y\":1}"), utf8("{\"type\":\"task_end\",\"task\":\"a\"}")));
        Await.until(Duration.ofSeconds(60), "version 1 of " + learned, () -> versions(learned).size() == 1, () -> versions(learned));

        // 300 new model ids, one 18-byte record each
        for (int i = 0; i < 300; i++) {
            TestRecords.produce(kafka.clients(), kafka.topics().examples(), run + "-m" + i, List.of(utf8("{\"type\":\"publish\"}")));
        }
        Await.until(Duration.ofSeconds(120), "293 records dead-lettered as too_many_models",
                () -> reasons(run).stream().filter("too_many_models"::equals).count() == 293, () -> reasons(run).size());
        assertThat(learners.all()).hasSize(8);
        TestRecords.produce(kafka.clients(), kafka.topics().examples(), learned, List.of(
                utf8("{\"task\":\"a\",\"x\":[0.4,0.2,0.3,0.1],\"y\":2}"), utf8("{\"type\":\"task_end\",\"task\":\"a\"}")));
        Await.until(Duration.ofSeconds(60), "the model that learned before publishes version 2",
                () -> versions(learned).size() == 2, () -> versions(learned));

        // 600 task ends with new names for one model, in one go
        String busy = run + "-m1";
        List<byte[]> ends = new ArrayList<>();
        for (int t = 0; t < 600; t++) {
            ends.add(utf8("{\"type\":\"task_end\",\"task\":\"task-" + t + "\"}"));
        }
        TestRecords.produce(kafka.clients(), kafka.topics().examples(), busy, ends);
        Await.until(Duration.ofSeconds(240), "344 task ends dead-lettered as too_many_tasks",
                () -> reasons(run).stream().filter("too_many_tasks"::equals).count() == 344, () -> reasons(run).size());
        Await.until(Duration.ofSeconds(120), "the burst's versions out", () -> lastTrigger(busy).equals("task_end:task-255"),
                () -> lastTrigger(busy));
        Map<String, byte[]> burst = versions(busy);
        // one version per batch at most: the burst comes in a few dozen polls, never one version per task end
        assertThat(burst.size()).as("versions of " + busy + " (1 from its publish record, then the folded burst)")
                .isBetween(2, 128);
        int folded = 0;
        for (byte[] manifest : burst.values()) {
            assertThat(manifest.length).isLessThan(1_000_000);
            JsonNode m = JSON.readTree(manifest);
            folded += m.path("triggers_folded").asInt(1);
            assertThat(m.path("metrics").path("tasks").size()).isLessThanOrEqualTo(20);
        }
        assertThat(folded).as("every trigger answered by a version").isEqualTo(1 + 256);

        // a later normal task end of a known task still gets its version
        TestRecords.produce(kafka.clients(), kafka.topics().examples(), busy, List.of(
                utf8("{\"task\":\"task-7\",\"x\":[0.4,0.2,0.3,0.1],\"y\":2}"), utf8("{\"type\":\"task_end\",\"task\":\"task-7\"}")));
        Await.until(Duration.ofSeconds(60), "a version for task-7's end", () -> lastTrigger(busy).equals("task_end:task-7"),
                () -> lastTrigger(busy));
        for (ConsumerRecord<byte[], byte[]> event : TestRecords.readAll(kafka.clients(), kafka.topics().metrics())) {
            if (new String(event.key()).equals(busy)) {
                assertThat(event.value().length).isLessThan(1_000_000);
                JsonNode e = JSON.readTree(event.value());
                assertThat(e.get("tasks").size()).isLessThanOrEqualTo(20);
                if (e.get("tasks_total").asInt() > 20) {
                    assertThat(e.get("matrix").size()).isLessThanOrEqualTo(20);
                }
            }
        }
    }

    private Map<String, byte[]> versions(String model) {
        return ModelTopics.readLatest(kafka.clients(), kafka.topics().models(), k -> k.startsWith(model + ":") && !k.contains(":@"));
    }

    private String lastTrigger(String model) {
        Map<String, byte[]> all = versions(model);
        long newest = all.keySet().stream().mapToLong(k -> Long.parseLong(k.substring(k.lastIndexOf(':') + 1))).max().orElse(0);
        try {
            return newest == 0 ? "" : JSON.readTree(all.get(model + ":" + newest)).get("trigger").asText();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private List<String> reasons(String run) {
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> letter : TestRecords.readAll(kafka.clients(), kafka.topics().deadLetters())) {
            if (letter.key() != null && new String(letter.key()).startsWith(run)) {
                out.add(TestRecords.header(letter, "engram.error.reason"));
            }
        }
        return out;
    }
}
