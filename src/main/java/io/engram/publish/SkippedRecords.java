package io.engram.publish;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records of the model topics that the catalog cannot use (a key that does not parse, a value that
 * is not a manifest, chunks of another format): counted in
 * {@code engram_catalog_skipped_records_total{topic,reason}} and logged once per topic and reason,
 * so a poisoned compacted topic never stops the service and never floods the log.
 */
public final class SkippedRecords {

    private static final Logger LOG = LoggerFactory.getLogger(SkippedRecords.class);

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public SkippedRecords(MeterRegistry registry) {
        this.registry = registry;
    }

    public void skip(String topic, ModelTopics.UnusableRecord record) {
        skip(topic, record.reason(), record.getMessage());
    }

    public void skip(String topic, String reason, String message) {
        boolean[] first = {false};
        Counter counter = counters.computeIfAbsent(topic + "\n" + reason, k -> {
            first[0] = true;
            return Counter.builder("engram.catalog.skipped.records").description("Records of the model topics the catalog skipped")
                    .tag("topic", topic).tag("reason", reason).register(registry);
        });
        counter.increment();
        if (first[0]) {
            LOG.warn("Skipping a record of {} ({}): {}. Further ones are only counted in engram_catalog_skipped_records_total"
                    + " with topic={} and reason={}.", topic, reason, message, topic, reason);
        }
    }

    /** Records skipped so far for a topic and reason. */
    public long count(String topic, String reason) {
        Counter c = counters.get(topic + "\n" + reason);
        return c == null ? 0 : (long) c.count();
    }
}
