package io.engram.checkpoint;

import static io.engram.support.TestRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.engram.broker.KafkaAccess;
import io.engram.broker.KafkaClients;
import io.engram.broker.Outbox;
import io.engram.broker.TopicSetup;
import io.engram.broker.Topics;
import io.engram.ingest.IngestLoop;
import io.engram.ingest.IngestMetrics;
import io.engram.ingest.RecordDecoder;
import io.engram.learn.DivergedException;
import io.engram.learn.LearnerRegistry;
import io.engram.support.Await;
import io.engram.support.RebuildingState;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * The ingest loop against the real broker when a learner diverges: the batch's outputs are
 * dropped, the learner is rolled back (here to nothing: no checkpoint, so the topic is replayed),
 * the record that caused it is dead-lettered as {@code diverged} with its original bytes, and every
 * other record ends up learned exactly once.
 */
@QuarkusTest
class DivergenceIT {

    @Inject
    KafkaAccess kafka;

    private static IdLearner poisonable() {
        return new IdLearner("poison", () -> new DivergedException("diverged on purpose"));
    }

    @Test
    void shouldRollBackAndDeadLetterTheRecordThatMadeTheModelDiverge() throws Exception {
        String run = "diverge-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = new Topics(run);
        KafkaClients clients = kafka.clients();
        try (var admin = clients.admin("diverge-it")) {
            TopicSetup.ensure(admin, topics, 1, (short) 1, 30_000);
        }
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(utf8("{\"task\":\"t\",\"x\":[0,0,0," + i + "],\"y\":1,\"id\":\"r" + i + "\"}"));
        }
        byte[] poison = utf8("{\"task\":\"t\",\"x\":[0,0,0,1],\"y\":1,\"id\":\"poison\"}");
        records.add(5, poison);

        // learns ids; "poison" diverges it; its state is what a rollback resets
        IdLearner[] current = {poisonable()};
        RebuildingState rollbacks = new RebuildingState(() -> current[0] = poisonable()); // no snapshot: replay from the beginning
        LearnerRegistry registry = IdLearner.registry(() -> current[0]);
                try (KafkaProducer<byte[], byte[]> producer = clients.transactionalProducer("diverge-it", run + "tx")) {
            Outbox outbox = Outbox.transactional(producer);
            RecordDecoder decoder = new RecordDecoder(new RecordDecoder.ModelShape(4, List.of("a", "b", "c"), Optional.empty()), 10_000);
            IngestLoop loop = new IngestLoop(() -> { }, () -> clients.consumer(run + "group", "diverge-it"), () -> outbox,
                    topics.examples(), topics.deadLetters(), decoder, registry, new IngestMetrics(new SimpleMeterRegistry()),
                    new IngestLoop.Settings(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1), true));
            loop.setModelState(rollbacks);
            Thread thread = new Thread(loop, "diverge-it");
            thread.start();
            TestRecords.produce(clients, topics.examples(), "m", records);
            Await.until(Duration.ofSeconds(60), "10 good records learned once after the rollback",
                    () -> current[0].learned().size() == 10, () -> current[0].learned() + " rollbacks " + rollbacks.rollbacks());
            loop.stop();
            thread.join(10_000);
        }
        assertThat(rollbacks.rollbacks()).isEqualTo(1);
        assertThat(current[0].learned()).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9");
        List<ConsumerRecord<byte[], byte[]>> letters = TestRecords.readAll(clients, topics.deadLetters());
        assertThat(letters).hasSize(1);
        assertThat(TestRecords.header(letters.get(0), "engram.error.reason")).isEqualTo("diverged");
        assertThat(letters.get(0).value()).isEqualTo(poison);
    }
}
