package io.engram.state;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Writes restored state as text lines, numbers exactly: a float as its bits
 * ({@link Float#floatToIntBits}, 8 hex digits), a double as its bits ({@link Double#doubleToLongBits},
 * 16 hex digits), a missing value as {@code null}. Two states are equal when their texts are.
 */
public final class StateText {

    private final StringBuilder text = new StringBuilder();

    public StateText line(String key, Object value) {
        text.append(key).append(": ").append(value).append('\n');
        return this;
    }

    public StateText floats(String key, float[] values) {
        return floats(key, values, 0, values.length);
    }

    public StateText floats(String key, float[] values, int from, int to) {
        StringJoiner j = new StringJoiner(" ");
        for (int i = from; i < to; i++) {
            j.add(bits(values[i]));
        }
        return line(key + " [" + (to - from) + "]", j);
    }

    public StateText doubles(String key, double[] values) {
        StringJoiner j = new StringJoiner(" ");
        for (double v : values) {
            j.add(bits(v));
        }
        return line(key + " [" + values.length + "]", j);
    }

    /** Nullable doubles (accuracies). */
    public StateText doubles(String key, Collection<Double> values) {
        StringJoiner j = new StringJoiner(" ");
        for (Double v : values) {
            j.add(v == null ? "null" : bits(v));
        }
        return line(key + " [" + values.size() + "]", j);
    }

    public StateText ints(String key, int[] values) {
        StringJoiner j = new StringJoiner(" ");
        for (int v : values) {
            j.add(Integer.toString(v));
        }
        return line(key + " [" + values.length + "]", j);
    }

    public StateText longs(String key, long[] values) {
        StringJoiner j = new StringJoiner(" ");
        for (long v : values) {
            j.add(Long.toString(v));
        }
        return line(key + " [" + values.length + "]", j);
    }

    public StateText strings(String key, List<String> values) {
        return line(key + " [" + values.size() + "]", String.join(" | ", values));
    }

    /** A map of doubles in key order. */
    public StateText doubleMap(String key, Map<String, Double> values) {
        StringJoiner j = new StringJoiner(" ");
        new java.util.TreeMap<>(values).forEach((k, v) -> j.add(k + "=" + bits(v)));
        return line(key + " [" + values.size() + "]", j);
    }

    public static String bits(float v) {
        return String.format("%08x", Float.floatToIntBits(v));
    }

    public static String bits(double v) {
        return String.format("%016x", Double.doubleToLongBits(v));
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
