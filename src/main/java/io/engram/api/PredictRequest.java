package io.engram.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The body of {@code predict}: read up to a byte limit before anything is parsed, then streamed
 * token by token into one float array of the model's input size (no JSON tree), with the same
 * checks as train records: an object with an array {@code x} of exactly input-size finite numbers.
 */
record PredictRequest(float[] x, Response error) {

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * The body's bytes, or null when it is longer than {@code limit}: a declared Content-Length
     * over the limit is refused without reading, and a body without one is read only to limit + 1.
     */
    static byte[] readAtMost(InputStream body, String contentLength, int limit) throws IOException {
        if (contentLength != null) {
            try {
                if (Long.parseLong(contentLength.trim()) > limit) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // the HTTP layer checks the header; count the bytes instead
            }
        }
        if (body == null) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 8192));
        byte[] buffer = new byte[8192];
        int n;
        while ((n = body.read(buffer, 0, (int) Math.min(buffer.length, limit + 1L - out.size()))) > 0) {
            out.write(buffer, 0, n);
            if (out.size() > limit) {
                return null;
            }
        }
        return out.toByteArray();
    }

    /** Parses {@code {"x": [size numbers]}}; other fields are skipped. */
    static PredictRequest parse(byte[] body, int size) {
        String expected = "Expected a JSON body {\"x\": [" + size + " numbers]}";
        float[] x = new float[size];
        int n = 0;
        boolean sawX = false;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return error("schema", expected + ".");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                t = p.nextToken();
                if (!"x".equals(name)) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) {
                    return error("schema", expected + ", found \"x\" of type " + t + ".");
                }
                sawX = true;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) {
                        return error("invalid_json", "The body ends inside \"x\".");
                    }
                    float v = t.isNumeric() ? p.getFloatValue() : Float.NaN;
                    if (!Float.isFinite(v)) {
                        return error("non_finite", "Expected finite numbers in \"x\", found "
                                + (t.isScalarValue() ? p.getText() : t.toString()) + " at index " + n + ".");
                    }
                    if (n < size) {
                        x[n] = v;
                    }
                    n++;
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return error("invalid_json", "Expected one JSON object.");
            }
        } catch (JsonProcessingException e) {
            return error("invalid_json", "The body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return error("invalid_json", "The body cannot be read: " + e.getMessage());
        }
        if (!sawX) {
            return error("schema", expected + ".");
        }
        if (n != size) {
            return error("dimension", "Expected \"x\" with " + size + " numbers, found " + n + ".");
        }
        return new PredictRequest(x, null);
    }

    private static PredictRequest error(String code, String message) {
        return new PredictRequest(null, ApiError.of(Response.Status.BAD_REQUEST, code, message));
    }
}
