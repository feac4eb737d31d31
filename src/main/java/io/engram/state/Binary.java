package io.engram.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading and writing the pieces of a state section: arrays, nullable numbers, string lists and maps. */
public final class Binary {

    /** Bytes encoded per write or read of an array: large enough that calls per value vanish, small enough to stay in cache. */
    private static final int CHUNK = 8192;

    private Binary() {
    }

    public static void floats(DataOutputStream out, float[] a) throws IOException {
        floats(out, a, a.length);
    }

    /** Writes the first {@code length} values of {@code a}, read back by {@link #floats(DataInputStream)}. */
    public static void floats(DataOutputStream out, float[] a, int length) throws IOException {
        out.writeInt(length);
        writeFloats(out, a, 0, length);
    }

    public static float[] floats(DataInputStream in) throws IOException {
        float[] a = new float[length(in)];
        readFloats(in, a, 0, a.length);
        return a;
    }

    /**
     * Writes {@code a[from, from + n)} as {@link DataOutputStream#writeFloat} would, without a
     * length, through a chunk (one call per {@value #CHUNK} bytes instead of four per value).
     */
    public static void writeFloats(DataOutputStream out, float[] a, int from, int n) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        for (int i = from; i < from + n; i++) {
            if (chunk.remaining() < Float.BYTES) {
                out.write(chunk.array(), 0, chunk.position());
                chunk.clear();
            }
            chunk.putInt(Float.floatToIntBits(a[i]));
        }
        out.write(chunk.array(), 0, chunk.position());
    }

    /** Reads {@code n} values written by {@link #writeFloats} into {@code a[from, from + n)}. */
    public static void readFloats(DataInputStream in, float[] a, int from, int n) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        for (int i = from; i < from + n;) {
            int values = Math.min(CHUNK / Float.BYTES, from + n - i);
            in.readFully(chunk.array(), 0, values * Float.BYTES);
            chunk.clear();
            for (int k = 0; k < values; k++) {
                a[i++] = Float.intBitsToFloat(chunk.getInt());
            }
        }
    }

    public static void doubles(DataOutputStream out, double[] a) throws IOException {
        out.writeInt(a.length);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        for (double v : a) {
            if (chunk.remaining() < Double.BYTES) {
                out.write(chunk.array(), 0, chunk.position());
                chunk.clear();
            }
            chunk.putLong(Double.doubleToLongBits(v));
        }
        out.write(chunk.array(), 0, chunk.position());
    }

    public static double[] doubles(DataInputStream in) throws IOException {
        double[] a = new double[length(in)];
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        for (int i = 0; i < a.length;) {
            int values = Math.min(CHUNK / Double.BYTES, a.length - i);
            in.readFully(chunk.array(), 0, values * Double.BYTES);
            chunk.clear();
            for (int k = 0; k < values; k++) {
                a[i++] = Double.longBitsToDouble(chunk.getLong());
            }
        }
        return a;
    }

    public static void ints(DataOutputStream out, int[] a) throws IOException {
        ints(out, a, a.length);
    }

    /** Writes the first {@code length} values of {@code a}, read back by {@link #ints(DataInputStream)}. */
    public static void ints(DataOutputStream out, int[] a, int length) throws IOException {
        out.writeInt(length);
        writeInts(out, a, 0, length);
    }

    public static int[] ints(DataInputStream in) throws IOException {
        int[] a = new int[length(in)];
        readInts(in, a, 0, a.length);
        return a;
    }

    /** Writes {@code a[from, from + n)} as {@link DataOutputStream#writeInt} would, without a length, through a chunk. */
    public static void writeInts(DataOutputStream out, int[] a, int from, int n) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        for (int i = from; i < from + n; i++) {
            if (chunk.remaining() < Integer.BYTES) {
                out.write(chunk.array(), 0, chunk.position());
                chunk.clear();
            }
            chunk.putInt(a[i]);
        }
        out.write(chunk.array(), 0, chunk.position());
    }

    /** Reads {@code n} values written by {@link #writeInts} into {@code a[from, from + n)}. */
    public static void readInts(DataInputStream in, int[] a, int from, int n) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        for (int i = from; i < from + n;) {
            int values = Math.min(CHUNK / Integer.BYTES, from + n - i);
            in.readFully(chunk.array(), 0, values * Integer.BYTES);
            chunk.clear();
            for (int k = 0; k < values; k++) {
                a[i++] = chunk.getInt();
            }
        }
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
