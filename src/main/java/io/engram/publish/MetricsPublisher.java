package io.engram.publish;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaAccess;
import io.engram.evaluate.MetricsEvent;
import io.engram.evaluate.MetricsSink;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes metrics events: JSON on {@code engram.metrics} (key = model id) and the Prometheus
 * gauges {@code engram_task_accuracy{model,task}} (the latest row of R), {@code engram_acc},
 * {@code engram_la}, {@code engram_bwt}, {@code engram_fwt}, {@code engram_forgetting},
 * {@code engram_prequential_accuracy}; NaN where a figure is not defined yet.
 */
@ApplicationScoped
public class MetricsPublisher implements MetricsSink {

    private static final List<String> FIGURES = List.of("acc", "la", "bwt", "fwt", "forgetting");

    @Inject
    KafkaAccess kafka;

    @Inject
    MeterRegistry registry;

    @Inject
    ObjectMapper json;

    @Inject
    io.engram.config.EngramConfig config;

    private final Map<String, Double> values = new ConcurrentHashMap<>();
    /** The task series of each model, oldest first: at most the matrix window of them stay registered. */
    private final Map<String, java.util.LinkedHashSet<String>> taskSeries = new ConcurrentHashMap<>();

    @Override
    public void publish(MetricsEvent event) {
        String model = event.model();
        for (String figure : FIGURES) {
            set("engram." + figure, model, null, event.figures().get(figure));
        }
        set("engram.prequential.accuracy", model, null, event.prequentialAccuracy());
        int window = config.evaluation().matrixWindow();
        if (!event.matrix().isEmpty()) {
            List<Double> last = event.matrix().get(event.matrix().size() - 1);
            for (int j = Math.max(0, event.tasks().size() - window); j < event.tasks().size(); j++) {
                String task = event.tasks().get(j);
                set("engram.task.accuracy", model, task, j < last.size() ? last.get(j) : null);
                java.util.LinkedHashSet<String> series = taskSeries.computeIfAbsent(model, m -> new java.util.LinkedHashSet<>());
                synchronized (series) {
                    series.remove(task);
                    series.add(task);
                    while (series.size() > window) {
                        String oldest = series.iterator().next();
                        series.remove(oldest);
                        io.micrometer.core.instrument.Meter gone = registry.find("engram.task.accuracy")
                                .tags("model", model, "task", oldest).meter();
                        if (gone != null) {
                            registry.remove(gone);
                        }
                        values.remove("engram.task.accuracy|" + model + "|" + oldest);
                    }
                }
            }
        }
        try {
            byte[] value = json.writeValueAsBytes(event.document(window));
            // through the outbox: committed with the offsets of the records this event reflects
            kafka.outbox().send(new ProducerRecord<>(kafka.topics().metrics(), model.getBytes(StandardCharsets.UTF_8), value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("metrics event not serialisable", e);
        }
    }

    private void set(String name, String model, String task, Double value) {
        String key = name + "|" + model + "|" + (task == null ? "" : task);
        if (!values.containsKey(key)) {
            Gauge.Builder<Map<String, Double>> gauge = Gauge.builder(name, values, v -> v.getOrDefault(key, Double.NaN))
                    .tag("model", model);
            if (task != null) {
                gauge.tag("task", task);
            }
            gauge.register(registry);
        }
        values.put(key, value == null ? Double.NaN : value);
    }

}
