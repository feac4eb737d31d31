package io.engram.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading and writing the pieces of a state section: arrays, nullable numbers, string lists and maps. */
public final class Binary {

    private Binary() {
    }

    public static void floats(DataOutputStream out, float[] a) throws IOException {
        floats(out, a, a.length);
    }

    /** Writes the first {@code length} values of {@code a}, read back by {@link #floats(DataInputStream)}. */
    public static void floats(DataOutputStream out, float[] a, int length) throws IOException {
        out.writeInt(length);
        for (int i = 0; i < length; i++) {
            out.writeFloat(a[i]);
        }
    }

    public static float[] floats(DataInputStream in) throws IOException {
        float[] a = new float[length(in)];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readFloat();
        }
        return a;
    }

    public static void doubles(DataOutputStream out, double[] a) throws IOException {
        out.writeInt(a.length);
        for (double v : a) {
            out.writeDouble(v);
        }
    }

    public static double[] doubles(DataInputStream in) throws IOException {
        double[] a = new double[length(in)];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readDouble();
        }
        return a;
    }

    public static void ints(DataOutputStream out, int[] a) throws IOException {
        ints(out, a, a.length);
    }

    /** Writes the first {@code length} values of {@code a}, read back by {@link #ints(DataInputStream)}. */
    public static void ints(DataOutputStream out, int[] a, int length) throws IOException {
        out.writeInt(length);
        for (int i = 0; i < length; i++) {
            out.writeInt(a[i]);
        }
    }

    public static int[] ints(DataInputStream in) throws IOException {
        int[] a = new int[length(in)];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readInt();
        }
        return a;
    }

    public static void nullableDouble(DataOutputStream out, Double v) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            out.writeDouble(v);
        }
    }

    public static Double nullableDouble(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readDouble() : null;
    }

    public static void nullableDoubles(DataOutputStream out, List<Double> values) throws IOException {
        out.writeInt(values.size());
        for (Double v : values) {
            nullableDouble(out, v);
        }
    }

    public static List<Double> nullableDoubles(DataInputStream in) throws IOException {
        int n = length(in);
        List<Double> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(nullableDouble(in));
        }
        return values;
    }

    public static void strings(DataOutputStream out, List<String> values) throws IOException {
        out.writeInt(values.size());
        for (String v : values) {
            out.writeUTF(v);
        }
    }

    public static List<String> strings(DataInputStream in) throws IOException {
        int n = length(in);
        List<String> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(in.readUTF());
        }
        return values;
    }

    public static void longMap(DataOutputStream out, Map<String, Long> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, Long> e : map.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue());
        }
    }

    public static Map<String, Long> longMap(DataInputStream in) throws IOException {
        int n = length(in);
        Map<String, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            map.put(in.readUTF(), in.readLong());
        }
        return map;
    }

    public static void doubleMap(DataOutputStream out, Map<String, Double> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, Double> e : map.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeDouble(e.getValue());
        }
    }

    public static Map<String, Double> doubleMap(DataInputStream in) throws IOException {
        int n = length(in);
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            map.put(in.readUTF(), in.readDouble());
        }
        return map;
    }

    public static void stringMap(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    public static Map<String, String> stringMap(DataInputStream in) throws IOException {
        int n = length(in);
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            map.put(in.readUTF(), in.readUTF());
        }
        return map;
    }

    private static int length(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1 << 30) {
            throw new IOException("corrupt state: an array or list of length " + n);
        }
        return n;
    }
}
