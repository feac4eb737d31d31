package io.engram.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class SnapshotCacheTest {

    private static final TopicPartition TP = new TopicPartition("engram.examples", 3);

    @Test
    void writtenSnapshots_readBack_andModelsNoLongerListedAreRemoved(@org.junit.jupiter.api.io.TempDir Path root) throws Exception {
        SnapshotCache cache = new SnapshotCache(root);
        assertThat(cache.marker(TP)).isEmpty();

        cache.written(TP, 41, bytes("{\"next\":10}"), Map.of("a", bytes("A1"), "b", bytes("B1")), Set.of("a", "b"));
        assertThat(cache.marker(TP)).hasValueSatisfying(c -> {
            assertThat(c.offset()).isEqualTo(41);
            assertThat(new String(c.marker(), StandardCharsets.UTF_8)).isEqualTo("{\"next\":10}");
        });
        assertThat(cache.model(TP, "a")).isEqualTo(bytes("A1"));

        // only a changed; b unchanged keeps its file; c new; a later marker replaces the first
        cache.written(TP, 97, bytes("{\"next\":20}"), Map.of("a", bytes("A2"), "c", bytes("C1")), Set.of("a", "b", "c"));
        assertThat(cache.marker(TP).orElseThrow().offset()).isEqualTo(97);
        assertThat(cache.model(TP, "a")).isEqualTo(bytes("A2"));
        assertThat(cache.model(TP, "b")).isEqualTo(bytes("B1"));

        // b parked: no longer listed, its file goes
        cache.written(TP, 130, bytes("{\"next\":30}"), Map.of(), Set.of("a", "c"));
        assertThat(cache.model(TP, "b")).isNull();
        assertThat(cache.model(TP, "c")).isEqualTo(bytes("C1"));
        assertThat(cache.marker(new TopicPartition("engram.examples", 4))).as("another partition has its own folder").isEmpty();

        cache.deleteMarker(TP);
        assertThat(cache.marker(TP)).isEmpty();
        try (var left = Files.list(root.resolve("engram.examples-3"))) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no temporary file left behind").noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
