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
import io.engram.support.RebuildingState;
import io.engram.support.IdLearner;
import io.engram.support.TestRecords;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/**
 * A producer that enters an error state (its commit fails, and so does every later transactional
 * call, as after the OutOfOrderSequenceException) is let go: the loop makes a new producer,
 * rolls the learner back and replays, and every record ends up learned once with its dead letter
 * visible once, instead of retrying "Cannot execute transactional method because we are in an error
 * state" for ever.
 */
@QuarkusTest
class ProducerErrorStateIT {

    @Inject
    KafkaAccess kafka;

    @SuppressWarnings("unchecked")
    private static Producer<byte[], byte[]> breakingOnce(Producer<byte[], byte[]> real, AtomicInteger breaks) {
        boolean[] broken = {false};
        return (Producer<byte[], byte[]>) Proxy.newProxyInstance(Producer.class.getClassLoader(), new Class<?>[] {Producer.class},
                (proxy, method, args) -> {
                    String name = method.getName();
                    if (name.equals("commitTransaction") && breaks.get() == 0) {
                        breaks.incrementAndGet();
                        broken[0] = true;
                        throw new KafkaException("OutOfOrderSequenceException (injected): the producer is in an error state");
                    }
                    if (broken[0] && (name.equals("abortTransaction") || name.equals("beginTransaction") || name.equals("send"))) {
                        throw new KafkaException("Cannot execute transactional method because we are in an error state (injected)");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aProducerInAnErrorState_isReplaced_andNothingIsLostOrDoubled() throws Exception {
        String run = "errstate-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = new Topics(run);
        KafkaClients clients = kafka.clients();
        try (var admin = clients.admin("errstate-it")) {
            TopicSetup.ensure(admin, topics, 1, (short) 1, 30_000);
        }
        IdLearner[] current = {new IdLearner("never", IllegalStateException::new)};
        LearnerRegistry registry = IdLearner.registry(() -> current[0]);
        AtomicInteger breaks = new AtomicInteger();
        List<Outbox> made = new ArrayList<>();
        java.util.function.Supplier<Outbox> outboxes = () -> {
            if (made.isEmpty() || made.get(made.size() - 1).discarded()) {
                made.add(Outbox.transactional(breakingOnce(clients.transactionalProducer("errstate-it", run + "tx"), breaks)));
            }
            return made.get(made.size() - 1);
        };
        List<byte[]> records = new ArrayList<>();
        records.add(utf8("not json"));
        for (int i = 0; i < 10; i++) {
            records.add(utf8("{\"task\":\"t\",\"x\":[0,0,0," + i + "],\"y\":1,\"id\":\"r" + i + "\"}"));
        }
        RecordDecoder decoder = new RecordDecoder(new RecordDecoder.ModelShape(4, List.of("a", "b", "c"), Optional.empty()), 10_000);
        IngestLoop loop = new IngestLoop(() -> { }, () -> clients.consumer(run + "group", "errstate-it"), outboxes,
                topics.examples(), topics.deadLetters(), decoder, registry, new IngestMetrics(new SimpleMeterRegistry()),
                new IngestLoop.Settings(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1), true));
                RebuildingState rollbacks = new RebuildingState(() -> current[0] = new IdLearner("never", IllegalStateException::new));
        loop.setModelState(rollbacks);
        TestRecords.produce(clients, topics.examples(), "m", records);
        Thread thread = new Thread(loop, "errstate-it");
        thread.start();
        try {
            Await.until(Duration.ofSeconds(60), "every record learned once after a new producer",
                    () -> current[0].learned().size() == 10 && TestRecords.readAll(clients, topics.deadLetters()).size() == 1,
                    () -> "learned " + current[0].learned() + ", rollbacks " + rollbacks.rollbacks() + ", producers " + made.size()
                            + ", state " + loop.state() + ", error " + loop.lastError());
            assertThat(breaks.get()).isEqualTo(1);
            assertThat(made).as("a second producer was made").hasSizeGreaterThanOrEqualTo(2);
            assertThat(loop.recoveries()).isGreaterThanOrEqualTo(1);
            assertThat(rollbacks.rollbacks()).isGreaterThanOrEqualTo(1);
            assertThat(current[0].learned()).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9");
        } finally {
            loop.stop();
            thread.join(10_000);
            made.forEach(Outbox::discard);
        }
        List<ConsumerRecord<byte[], byte[]>> letters = TestRecords.readAll(clients, topics.deadLetters());
        assertThat(letters).hasSize(1);
        assertThat(TestRecords.header(letters.get(0), "engram.error.reason")).isEqualTo("invalid_json");
    }
}
