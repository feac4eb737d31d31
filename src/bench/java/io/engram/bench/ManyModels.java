package io.engram.bench;

import io.engram.broker.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Feeds N models to a running service, each 50 train examples of 784 numbers and a task end, for
 * bench/rss-models.sh. Arguments: bootstrap servers, number of models.
 */
public final class ManyModels {

    private ManyModels() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        int models = Integer.parseInt(args[1]);
        SplittableRandom random = new SplittableRandom(1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaClients(bootstrap, Map.of(), 10_000).producer("many-models")) {
            for (int m = 0; m < models; m++) {
                byte[] key = String.format("model-%03d", m).getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < 50; i++) {
                    StringBuilder x = new StringBuilder();
                    for (int d = 0; d < 784; d++) {
                        x.append(d == 0 ? "" : ",").append(random.nextDouble() < 0.2 ? String.format("%.2f", random.nextDouble()) : "0");
                    }
                    producer.send(new ProducerRecord<>("engram.examples", key,
                            ("{\"task\":\"t0\",\"x\":[" + x + "],\"y\":" + random.nextInt(10) + "}").getBytes(StandardCharsets.UTF_8)));
                }
                producer.send(new ProducerRecord<>("engram.examples", key,
                        "{\"type\":\"task_end\",\"task\":\"t0\"}".getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        System.out.println("sent " + models + " models");
    }
}
