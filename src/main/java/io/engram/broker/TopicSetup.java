package io.engram.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the contract's topics when missing: the compacted ones with {@code cleanup.policy=compact}. */
public final class TopicSetup {

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {
    }

    /**
     * Creates every missing topic of {@code topics}; returns the names it created.
     *
     * @throws BrokerAccessException when the broker cannot be reached or refuses the credentials
     */
    public static List<String> ensure(Admin admin, Topics topics, int partitions, short replication, long timeoutMs) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String name : topics.all()) {
                if (!existing.contains(name)) {
                    NewTopic topic = new NewTopic(name, partitions, replication);
                    if (topics.compacted().contains(name)) {
                        // chunks of one artifact may reach 512 KiB each; versions must not vanish by age
                        Map<String, String> configs = new java.util.HashMap<>(Map.of(
                                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(1024 * 1024)));
                        if (name.equals(topics.state())) {
                            // snapshots are rewritten often: small segments let the cleaner drop old ones soon
                            configs.put(TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(64 * 1024 * 1024));
                            configs.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.2");
                        }
                        topic.configs(configs);
                    }
                    missing.add(topic);
                }
            }
            List<String> created = new ArrayList<>();
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(timeoutMs, TimeUnit.MILLISECONDS);
                    created.add(entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            if (!created.isEmpty()) {
                LOG.info("Created topics {} ({} partitions, replication {})", created, partitions, replication);
            }
            return created;
        } catch (ExecutionException e) {
            throw BrokerAccessException.from(e.getCause());
        } catch (TimeoutException e) {
            throw BrokerAccessException.from(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerAccessException("interrupted while creating topics", e);
        }
    }
}
