package io.engram.ingest;

import static io.engram.support.TestRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.engram.broker.KafkaAccess;
import io.engram.broker.KafkaClients;
import io.engram.broker.Outbox;
import io.engram.broker.TopicSetup;
import io.engram.broker.Topics;
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
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A batch that outlives the transaction timeout (one record stalls the learner for longer than
 * it) gets our own transaction aborted by the broker. Before, the loop read the fencing that
 * follows as another instance and stopped for good; now it makes a new producer if needed, rolls
 * the learner back (here to nothing, no checkpoint) and replays: every record ends up learned
 * exactly once, the dead letter of the batch appears once under read_committed, and the loop runs on.
 */
@QuarkusTest
class TransactionTimeoutIT {

    private static final int TIMEOUT_MS = 3000;

    @Inject
    KafkaAccess kafka;

    /** Learns ids; the first time it meets "slow" it stalls past the transaction timeout. */
    private static IdLearner stalling(boolean[] stalled) {
        return new IdLearner(example -> {
            if (example.id().equals("slow") && !stalled[0]) {
                stalled[0] = true;
                IdLearner.sleep(TIMEOUT_MS + 4000); // the broker checks for timed-out transactions every second
            }
        });
    }

    @Test
    void shouldRecoverWhenOurOwnTransactionTimesOut() throws Exception {
        String run = "txtimeout-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = new Topics(run);
        KafkaClients clients = kafka.clients();
        try (var admin = clients.admin("txtimeout-it")) {
            TopicSetup.ensure(admin, topics, 1, (short) 1, 30_000);
        }
        boolean[] stalled = {false};
        IdLearner[] current = {stalling(stalled)};
        LearnerRegistry registry = IdLearner.registry(() -> current[0]);
        List<Outbox> made = new ArrayList<>();
        java.util.function.Supplier<Outbox> outboxes = () -> {
            if (made.isEmpty() || made.get(made.size() - 1).discarded()) {
                made.add(Outbox.transactional(clients.transactionalProducer("txtimeout-it", run + "tx", TIMEOUT_MS)));
            }
            return made.get(made.size() - 1);
        };
        List<byte[]> records = new ArrayList<>();
        records.add(utf8("not json")); // a dead letter opens the transaction at the start of the batch
        for (int i = 0; i < 10; i++) {
            records.add(utf8("{\"task\":\"t\",\"x\":[0,0,0," + i + "],\"y\":1,\"id\":\"" + (i == 4 ? "slow" : "r" + i) + "\"}"));
        }
        RecordDecoder decoder = new RecordDecoder(new RecordDecoder.ModelShape(4, List.of("a", "b", "c"), Optional.empty()), 10_000);
        IngestLoop loop = new IngestLoop(() -> { }, () -> clients.consumer(run + "group", "txtimeout-it"), outboxes,
                topics.examples(), topics.deadLetters(), decoder, registry, new IngestMetrics(new SimpleMeterRegistry()),
                new IngestLoop.Settings(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1), true,
                        Duration.ofMillis(1000), 2000, Duration.ofMillis(TIMEOUT_MS), 1));
                RebuildingState rollbacks = new RebuildingState(() -> current[0] = stalling(stalled));
        loop.setModelState(rollbacks);
        TestRecords.produce(clients, topics.examples(), "m", records);
        Thread thread = new Thread(loop, "txtimeout-it");
        thread.start();
        try {
            Await.until(Duration.ofSeconds(90), "every record learned once after the recovery",
                    () -> current[0].learned().size() == 10 && TestRecords.readAll(clients, topics.deadLetters()).size() == 1,
                    () -> "learned " + current[0].learned() + ", rollbacks " + rollbacks.rollbacks() + ", state " + loop.state()
                            + ", error " + loop.lastError());
            assertThat(stalled[0]).isTrue();
            assertThat(rollbacks.rollbacks()).as("rolled back after the aborted batch").isGreaterThanOrEqualTo(1);
            assertThat(loop.state()).isIn(IngestLoop.State.RUNNING, IngestLoop.State.WAITING_FOR_BROKER);
            assertThat(current[0].learned()).containsExactly("r0", "r1", "r2", "r3", "slow", "r5", "r6", "r7", "r8", "r9");
        } finally {
            loop.stop();
            thread.join(10_000);
            made.forEach(Outbox::discard);
        }
        List<ConsumerRecord<byte[], byte[]>> letters = TestRecords.readAll(clients, topics.deadLetters());
        assertThat(letters).hasSize(1);
        assertThat(TestRecords.header(letters.get(0), "engram.error.reason")).isEqualTo("invalid_json");
        assertThat(loop.state()).isEqualTo(IngestLoop.State.STOPPED);
    }
}
