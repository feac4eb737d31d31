package io.engram.bench;

import io.engram.broker.KafkaClients;
import io.engram.command.CommandSettings;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Feeds N models to a running service, each 50 train examples of 784 numbers and a task end, for
 * bench/rss-models.sh: {@code --models N [--bootstrap HOST:PORT]}.
 */
public final class ManyModels {

    private ManyModels() {
    }

    @picocli.CommandLine.Command(name = "ManyModels", mixinStandardHelpOptions = true,
            description = "Feed N models of 50 train examples and a task end each to the running service.")
    static final class Options implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @picocli.CommandLine.Option(names = "--models", required = true, description = "models to feed")
        int models;

        @picocli.CommandLine.Option(names = "--bootstrap", description = "Kafka; default the service's, from its settings")
        String bootstrap;

        @Override
        public Integer call() throws Exception {
            if (models < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--models must be at least 1, found " + models);
            }
            feed(CommandSettings.load().kafkaClients(bootstrap), models);
            return 0;
        }
    }

    public static void main(String[] args) {
        io.engram.command.Commands.run(new Options(), args);
    }

    static void feed(KafkaClients clients, int models) throws Exception {
        SplittableRandom random = new SplittableRandom(1);
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("many-models")) {
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
