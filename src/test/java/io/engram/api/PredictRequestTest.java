package io.engram.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The predict body: refused past the limit before parsing, then parsed into exactly input-size finite floats. */
class PredictRequestTest {

    private static PredictRequest parse(String body, int size) {
        return PredictRequest.parse(body.getBytes(StandardCharsets.UTF_8), size);
    }

    @SuppressWarnings("unchecked")
    private static String code(PredictRequest r) {
        return ((Map<String, String>) r.error().getEntity()).get("error");
    }

    @Test
    void readsAtMostTheLimit() throws Exception {
        byte[] big = new byte[100_000];
        int[] read = {0};
        InputStream counting = new ByteArrayInputStream(big) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                int n = super.read(b, off, len);
                read[0] += Math.max(n, 0);
                return n;
            }
        };
        assertThat(PredictRequest.readAtMost(counting, null, 1000)).isNull();
        assertThat(read[0]).as("bytes read of a chunked body over the limit").isEqualTo(1001);
        assertThat(PredictRequest.readAtMost(new ByteArrayInputStream(big), "100000", 1000)).isNull();
        assertThat(PredictRequest.readAtMost(new ByteArrayInputStream(new byte[1000]), "1000", 1000)).hasSize(1000);
        assertThat(PredictRequest.readAtMost(new ByteArrayInputStream(new byte[1000]), null, 1000)).hasSize(1000);
    }

    @Test
    void parsesXAndSkipsOtherFields() {
        PredictRequest r = parse("{\"id\":{\"a\":[1,2]},\"x\":[0.5,-1,2e-3],\"note\":\"n\"}", 3);
        assertThat(r.error()).isNull();
        assertThat(r.x()).containsExactly(0.5f, -1f, 0.002f);
    }

    @Test
    void refusesWhatATrainRecordWouldNot() {
        assertThat(code(parse("{\"x\":[1,2]}", 3))).isEqualTo("dimension");
        assertThat(code(parse("{\"x\":[1,2,3,4]}", 3))).isEqualTo("dimension");
        assertThat(code(parse("{\"x\":[1,\"2\",3]}", 3))).isEqualTo("non_finite");
        assertThat(code(parse("{\"x\":[1,1e39,3]}", 3))).isEqualTo("non_finite");
        assertThat(code(parse("{\"x\":[1,NaN,3]}", 3))).isEqualTo("invalid_json");
        assertThat(code(parse("{\"y\":[1,2,3]}", 3))).isEqualTo("schema");
        assertThat(code(parse("{\"x\":{}}", 3))).isEqualTo("schema");
        assertThat(code(parse("[1,2,3]", 3))).isEqualTo("schema");
        assertThat(code(parse("", 3))).isEqualTo("schema");
        assertThat(code(parse("{\"x\":[1,2,3]} {}", 3))).isEqualTo("invalid_json");
        assertThat(code(parse("{\"x\":[1,2,3]", 3))).isEqualTo("invalid_json");
        assertThat(parse("{\"x\":[1,2]}", 3).error().getStatus()).isEqualTo(400);
    }
}
