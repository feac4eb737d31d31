package io.engram.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.engram.evaluate.MetricsEvent;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StableGuardTest {

    private static MetricsEvent event(Double acc, Double forgetting, Double prequential) {
        Map<String, Double> figures = new HashMap<>();
        figures.put("acc", acc);
        figures.put("forgetting", forgetting);
        return new MetricsEvent("m", 1L, "t", List.of("t"), List.of(), List.of(), List.of(), List.of(), figures, prequential,
                Map.of(), 10, 0, Instant.EPOCH);
    }

    @Test
    void badVersions_areNotPromoted() {
        StableGuard guard = new StableGuard(0.7, 0.1);
        assertThat(guard.passes(event(0.8, 0.05, null))).isTrue();
        assertThat(guard.passes(event(0.8, null, null))).as("forgetting undefined after one task").isTrue();
        assertThat(guard.passes(event(0.6, 0.05, null))).as("ACC too low").isFalse();
        assertThat(guard.passes(event(0.8, 0.2, null))).as("forgets too much").isFalse();
        assertThat(guard.passes(event(null, null, 0.9))).as("prequential accuracy is no evaluation").isFalse();
        assertThat(guard.passes(event(Double.NaN, null, 0.9))).as("NaN is no accuracy").isFalse();
        assertThat(guard.passes(event(null, null, null))).as("nothing measured").isFalse();
    }
}
