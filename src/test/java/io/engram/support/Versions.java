package io.engram.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reading published versions in tests. */
public final class Versions {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Versions() {
    }

    /**
     * The triggers answered by versions 1, 2, … of {@code model}, in order, from its manifests keyed
     * {@code <model>:<version>} (a version folds the triggers of one batch into {@code triggers}).
     */
    public static List<String> triggers(Map<String, byte[]> manifests, String model) {
        List<String> out = new ArrayList<>();
        for (int v = 1; manifests.containsKey(model + ":" + v); v++) {
            JsonNode m;
            try {
                m = JSON.readTree(manifests.get(model + ":" + v));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (m.has("triggers")) {
                m.get("triggers").forEach(t -> out.add(t.asText()));
            } else {
                out.add(m.get("trigger").asText());
            }
        }
        return out;
    }
}
