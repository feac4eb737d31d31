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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * Two partitions, two workers, a slow model on one and a fast one on the other (real broker): the
 * fast model's records are all learned while the slow one has handled only a few of its own, so
 * no worker waits for another partition's share; batches close with the slow share cut short,
 * and in the end every record of both models was learned exactly once, in order.
 */
@QuarkusTest
class ParallelPartitionsIT {

    private static final int SLOW_RECORDS = 100;
    private static final int FAST_RECORDS = 1500;

    @Inject
    KafkaAccess kafka;

    @Test
    void aSlowPartitionDoesNotHoldBackAFastOne_andNothingIsLostOrDoubled() throws Exception {
        String run = "parallel-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = new Topics(run);
        KafkaClients clients = kafka.clients();
        try (var admin = clients.admin("parallel-it")) {
            TopicSetup.ensure(admin, topics, 2, (short) 1, 30_000);
        }
        List<String> keys = keysOnDistinctPartitions();
        IdLearner slow = paced(50, 50);
        IdLearner fast = paced(0, 0);
        Map<String, IdLearner> models = Map.of(keys.get(0), slow, keys.get(1), fast);
        LearnerRegistry registry = new LearnerRegistry() {
            @Override
            public Learner forModel(String model) {
                return models.get(model);
            }

            @Override
            public Map<String, ? extends Learner> all() {
                return models;
            }
        };
        try (KafkaProducer<byte[], byte[]> producer = clients.transactionalProducer("parallel-it", run + "tx")) {
            Outbox outbox = Outbox.transactional(producer);
            RecordDecoder decoder = new RecordDecoder(new RecordDecoder.ModelShape(4, List.of("a", "b"), Optional.empty()), 10_000);
            IngestLoop loop = new IngestLoop(() -> { }, () -> clients.consumer(run + "group", "parallel-it", 500), () -> outbox,
                    topics.examples(), topics.deadLetters(), decoder, registry, new IngestMetrics(new SimpleMeterRegistry()),
                    new IngestLoop.Settings(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1), true,
                            Duration.ofSeconds(5), 500, Duration.ofSeconds(60), 2));
            // both backlogs are there before the loop starts
            TestRecords.produceAll(clients, topics.examples(), keys.get(0), records("s", SLOW_RECORDS));
            TestRecords.produceAll(clients, topics.examples(), keys.get(1), records("f", FAST_RECORDS));
            Thread thread = new Thread(loop, "parallel-it");
            thread.start();
            try {
                Await.until(Duration.ofSeconds(60), "the fast model's records learned", () -> fast.learned().size() == FAST_RECORDS,
                        () -> "fast " + fast.learned().size() + ", slow " + slow.learned().size() + ", state " + loop.state());
                int slowWhenFastDone = slow.learned().size();
                // the slow model needs 50 ms a record: 5 s for all; the fast one's 1500 take a few batches of milliseconds
                assertThat(slowWhenFastDone).as("slow records learned when the fast model was done").isLessThan(SLOW_RECORDS / 2);
                Await.until(Duration.ofSeconds(60), "the slow model's records learned", () -> slow.learned().size() >= SLOW_RECORDS,
                        () -> "slow " + slow.learned().size() + ", state " + loop.state());
                Thread.sleep(300); // a record learned twice would show up here
            } finally {
                loop.stop();
                thread.join(10_000);
            }
        }
        assertThat(fast.learned()).containsExactlyElementsOf(ids("f", FAST_RECORDS));
        assertThat(slow.learned()).containsExactlyElementsOf(ids("s", SLOW_RECORDS));
    }

    @Test
    void aBacklogLongerThanTheQueueBound_isLearnedOnceAndInOrder() throws Exception {
        String run = "queue-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = new Topics(run);
        KafkaClients clients = kafka.clients();
        try (var admin = clients.admin("queue-it")) {
            TopicSetup.ensure(admin, topics, 1, (short) 1, 30_000);
        }
        int n = 3 * IngestLoop.QUEUE_RECORDS; // the partition is paused and resumed several times in one batch
        IdLearner learner = paced(0, 500); // the first record waits: the queue fills to its bound
        LearnerRegistry registry = IdLearner.registry(() -> learner);
        TestRecords.produceAll(clients, topics.examples(), "m", records("r", n));
        try (KafkaProducer<byte[], byte[]> producer = clients.transactionalProducer("queue-it", run + "tx")) {
            Outbox outbox = Outbox.transactional(producer);
            RecordDecoder decoder = new RecordDecoder(new RecordDecoder.ModelShape(4, List.of("a", "b"), Optional.empty()), 10_000);
            IngestLoop loop = new IngestLoop(() -> { }, () -> clients.consumer(run + "group", "queue-it", IngestLoop.QUEUE_RECORDS),
                    () -> outbox, topics.examples(), topics.deadLetters(), decoder, registry,
                    new IngestMetrics(new SimpleMeterRegistry()),
                    new IngestLoop.Settings(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1), true));
            Thread thread = new Thread(loop, "queue-it");
            thread.start();
            try {
                Await.until(Duration.ofSeconds(60), "the backlog learned", () -> learner.learned().size() >= n,
                        () -> "learned " + learner.learned().size() + ", state " + loop.state());
                Thread.sleep(300); // a record learned twice would show up here
            } finally {
                loop.stop();
                thread.join(10_000);
            }
        }
        assertThat(learner.learned()).containsExactlyElementsOf(ids("r", n));
    }

    /** Two model ids the default partitioner puts on partitions 0 and 1 of a 2-partition topic. */
    private static List<String> keysOnDistinctPartitions() {
        String[] found = new String[2];
        for (int i = 0; found[0] == null || found[1] == null; i++) {
            String id = "model-" + i;
            int p = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % 2;
            if (found[p] == null) {
                found[p] = id;
            }
        }
        return List.of(found);
    }

    private static List<byte[]> records(String prefix, int n) {
        List<byte[]> records = new ArrayList<>();
        for (String id : ids(prefix, n)) {
            records.add(utf8("{\"task\":\"t\",\"x\":[0,0,0,1],\"y\":1,\"id\":\"" + id + "\"}"));
        }
        return records;
    }

    private static List<String> ids(String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    /** Records the ids it learns, taking {@code millis} per example ({@code firstMillis} for the first). */
    private static IdLearner paced(long millis, long firstMillis) {
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        return new IdLearner(example -> IdLearner.sleep(first.getAndSet(false) ? firstMillis : millis));
    }
}
