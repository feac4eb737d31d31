package io.engram.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Arrays encoded through a chunk are the bytes DataOutputStream writes value by value, and read back exactly, across chunk edges. */
class BinaryTest {

    private interface Writing {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] bytes(Writing writing) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writing.write(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    private static DataInputStream in(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 1023, 1024, 1025, 2047, 2048, 2049, 5000})
    void arrays_areTheBytesOfValueByValueWrites_andReadBackExactly(int n) throws IOException {
        SplittableRandom random = new SplittableRandom(n);
        float[] f = new float[n];
        double[] d = new double[n];
        int[] i = new int[n];
        for (int k = 0; k < n; k++) {
            f[k] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-30, 30)));
            d[k] = random.nextGaussian() * Math.pow(10, random.nextInt(-300, 300));
            i[k] = random.nextInt();
        }
        byte[] floats = bytes(out -> Binary.floats(out, f));
        assertThat(floats).isEqualTo(bytes(out -> {
            out.writeInt(n);
            for (float v : f) {
                out.writeFloat(v);
            }
        }));
        byte[] doubles = bytes(out -> Binary.doubles(out, d));
        assertThat(doubles).isEqualTo(bytes(out -> {
            out.writeInt(n);
            for (double v : d) {
                out.writeDouble(v);
            }
        }));
        byte[] ints = bytes(out -> Binary.ints(out, i));
        assertThat(ints).isEqualTo(bytes(out -> {
            out.writeInt(n);
            for (int v : i) {
                out.writeInt(v);
            }
        }));
        assertThat(Binary.floats(in(floats))).containsExactly(f);
        assertThat(Binary.doubles(in(doubles))).containsExactly(d);
        assertThat(Binary.ints(in(ints))).containsExactly(i);

        float[] into = new float[n + 3];
        Binary.readFloats(in(bytes(out -> Binary.writeFloats(out, f, 0, n))), into, 3, n);
        for (int k = 0; k < n; k++) {
            assertThat(Float.floatToIntBits(into[k + 3])).isEqualTo(Float.floatToIntBits(f[k]));
        }
    }
}
