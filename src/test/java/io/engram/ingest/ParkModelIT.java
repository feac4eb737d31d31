package io.engram.ingest;

import static io.engram.support.TestRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.engram.broker.KafkaAccess;
import io.engram.broker.KafkaClients;
import io.engram.broker.Outbox;
import io.engram.broker.TopicSetup;
import io.engram.broker.Topics;
import io.engram.learn.Learner;
import io.engram.learn.LearnerRegistry;
import io.engram.support.Await;
import io.engram.support.IdLearner;
import io.engram.support.TestRecords;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * An unexpected error in one model's learner (here an {@link OutOfMemoryError}, and a plain bug)
 * parks that model and never stops the instance: its failing record and every later record of it
 * are dead-lettered as {@code model_parked} with their original bytes, the other model goes on
 * learning, every offset is committed, and the loop stays RUNNING.
 */
@QuarkusTest
class ParkModelIT {

    @Inject
    KafkaAccess kafka;

    @Test
    void shouldParkTheFailingModelAndKeepLearningTheOthers() throws Exception {
        String run = "park-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = new Topics(run);
        KafkaClients clients = kafka.clients();
        try (var admin = clients.admin("park-it")) {
            TopicSetup.ensure(admin, topics, 1, (short) 1, 30_000);
        }
        Map<String, IdLearner> models = new ConcurrentHashMap<>();
        models.put("sick", new IdLearner("boom", () -> { throw new OutOfMemoryError("Java heap space (on purpose)"); }));
        models.put("buggy", new IdLearner("bug", () -> new IllegalStateException("a bug on purpose")));
        models.put("well", new IdLearner("never", IllegalStateException::new));
        LearnerRegistry registry = new LearnerRegistry() {
            @Override
            public Learner forModel(String model) {
                return models.get(model);
            }

            @Override
            public void remove(String model) {
                models.remove(model);
            }

            @Override
            public Map<String, ? extends Learner> all() {
                return Map.copyOf(models);
            }
        };
        try (KafkaProducer<byte[], byte[]> producer = clients.transactionalProducer("park-it", run + "tx")) {
            Outbox outbox = Outbox.transactional(producer);
            RecordDecoder decoder = new RecordDecoder(new RecordDecoder.ModelShape(4, List.of("a", "b", "c"), Optional.empty()), 10_000);
            IngestLoop loop = new IngestLoop(() -> { }, () -> clients.consumer(run + "group", "park-it"), () -> outbox,
                    topics.examples(), topics.deadLetters(), decoder, registry, new IngestMetrics(new SimpleMeterRegistry()),
                    new IngestLoop.Settings(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1), true));
            Thread thread = new Thread(loop, "park-it");
            thread.start();
            for (String model : List.of("sick", "buggy", "well")) {
                TestRecords.produce(clients, topics.examples(), model, records(model.equals("sick") ? 3 : model.equals("buggy") ? 5 : -1,
                        model.equals("sick") ? "boom" : "bug"));
            }
            Await.until(Duration.ofSeconds(60), "10 records of the well model learned and the others dead-lettered",
                    () -> models.containsKey("well") && models.get("well").learned().size() == 10
                            && TestRecords.readAll(clients, topics.deadLetters()).size() == 7 + 5,
                    () -> "well " + (models.containsKey("well") ? models.get("well").learned() : "gone") + ", dead letters "
                            + TestRecords.readAll(clients, topics.deadLetters()).size() + ", state " + loop.state());
            assertThat(loop.state()).isEqualTo(IngestLoop.State.RUNNING);
            assertThat(loop.parked()).containsOnlyKeys("sick", "buggy");
            assertThat(loop.parked().get("sick").reason()).contains("OutOfMemoryError");
            assertThat(models).containsOnlyKeys("well");
            loop.stop();
            thread.join(10_000);
        }
        List<ConsumerRecord<byte[], byte[]>> letters = TestRecords.readAll(clients, topics.deadLetters());
        assertThat(letters).allSatisfy(letter -> {
            assertThat(TestRecords.header(letter, "engram.error.reason")).isEqualTo("model_parked");
            assertThat(TestRecords.header(letter, "engram.error.message")).contains("parked");
        });
        assertThat(letters.stream().filter(l -> new String(l.key()).equals("sick")).count()).as("sick: records 3..9").isEqualTo(7);
        assertThat(letters.stream().filter(l -> new String(l.key()).equals("buggy")).count()).as("buggy: records 5..9").isEqualTo(5);
    }

    private static List<byte[]> records(int failAt, String failId) {
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(utf8("{\"task\":\"t\",\"x\":[0,0,0," + i + "],\"y\":1,\"id\":\"" + (i == failAt ? failId : "r" + i) + "\"}"));
        }
        return records;
    }
}
