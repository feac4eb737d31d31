package io.engram.ingest;

import static io.engram.support.TestRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.engram.broker.KafkaAccess;
import io.engram.broker.KafkaClients;
import io.engram.broker.Topics;
import io.engram.broker.TopicSetup;
import io.engram.learn.CountingLearners;
import io.engram.support.Await;
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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * Offsets are committed only for records already handled: a learner that fails in the middle of
 * a batch leaves that batch uncommitted, and the next consumer of the group gets every record
 * from the committed offset on, so nothing is lost.
 */
@QuarkusTest
class CommitAfterHandleIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    KafkaAccess kafka;

    private boolean transactional;

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void shouldLeaveUnhandledRecordsUncommittedWhenTheLearnerFails(boolean transactional) throws Exception {
        String run = "commit-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        this.transactional = transactional;
        Topics topics = new Topics(run);
        KafkaClients clients = kafka.clients();
        String group = run + "group";
        try (Admin admin = clients.admin("commit-it")) {
            TopicSetup.ensure(admin, topics, 1, (short) 1, 30_000);
        }
        TopicPartition tp = new TopicPartition(topics.examples(), 0);

        IdLearner failing = new IdLearner("boom", () -> new IllegalStateException("learner failure on purpose"));
        io.engram.learn.LearnerRegistry failingRegistry = IdLearner.registry(() -> failing);
        List<String> seen = failing.learned();
        try (KafkaProducer<byte[], byte[]> dlq = transactional
                ? clients.transactionalProducer("commit-it-dlq", run + "tx") : clients.producer("commit-it-dlq")) {
            io.engram.broker.Outbox outbox = transactional ? io.engram.broker.Outbox.transactional(dlq) : io.engram.broker.Outbox.plain(dlq);
            IngestLoop first = loop(topics, clients, group, outbox, failingRegistry);
            Thread thread = new Thread(first, "commit-it-first");
            thread.start();
            TestRecords.produce(clients, topics.examples(), "m", records(0, 5, -1));
            Await.until(WAIT, "first 5 records committed", () -> committed(clients, group, tp) == 5,
                    () -> committed(clients, group, tp));
            TestRecords.produce(clients, topics.examples(), "m", records(5, 10, 7));
            Await.until(WAIT, "the loop fails on record 7", () -> first.state() == IngestLoop.State.FAILED, first::state);
            thread.join(10_000);
            assertThat(first.lastError()).contains("learner failure on purpose");

            long committed = committed(clients, group, tp);
            assertThat(committed).as("committed offset after the failure").isBetween(5L, 7L);
            assertThat(seen).as("records handled by the failing learner").startsWith("r0", "r1", "r2", "r3", "r4");

            CountingLearners counting = new CountingLearners();
            IngestLoop second = loop(topics, clients, group, outbox, counting);
            Thread secondThread = new Thread(second, "commit-it-second");
            secondThread.start();
            long expected = 10 - committed;
            Await.until(WAIT, expected + " records redelivered from offset " + committed,
                    () -> counting.forModel("m").status().trained() == expected, () -> counting.forModel("m").status().trained());
            Await.until(WAIT, "all 10 committed", () -> committed(clients, group, tp) == 10, () -> committed(clients, group, tp));
            second.stop();
            secondThread.join(10_000);
            assertThat(second.state()).isEqualTo(IngestLoop.State.STOPPED);
        }
    }

    private static IngestLoop loop(Topics topics, KafkaClients clients, String group, io.engram.broker.Outbox outbox,
            io.engram.learn.LearnerRegistry learners) {
        RecordDecoder decoder = new RecordDecoder(new RecordDecoder.ModelShape(4, List.of("a", "b", "c"), Optional.empty()), 10_000);
        return new IngestLoop(() -> { }, () -> clients.consumer(group, "commit-it"), () -> outbox, topics.examples(),
                topics.deadLetters(), decoder, learners, new IngestMetrics(new SimpleMeterRegistry()),
                new IngestLoop.Settings(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1), true));
    }

    private static List<byte[]> records(int from, int to, int boom) {
        List<byte[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(utf8("{\"task\":\"t\",\"x\":[0,0,0," + i + "],\"y\":1,\"id\":\"" + (i == boom ? "boom" : "r" + i) + "\"}"));
        }
        return records;
    }

    private static long committed(KafkaClients clients, String group, TopicPartition tp) {
        try (Admin admin = clients.admin("commit-it-probe")) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS).get(tp);
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            return -2;
        }
    }
}
