package io.engram.network;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The host↔device transfers of one {@link Nd4jMlp} and its {@link Rows}: every place where host
 * values enter or leave an ND4J array of the network goes through this class, which counts them
 * (Nd4jMlpTest checks that nothing else in the ND4J path reads or writes an array's values). A
 * transfer of one value is a scalar transfer, the host synchronisation a step must never make;
 * the others are bulk transfers of a whole array (an upload of indices counts as one upload).
 */
public final class Transfers {

    private long scalars;
    private long uploads;
    private long downloads;
    private long bytes;

    /** Counts so far: transfers of one value, bulk uploads, bulk downloads, and bytes moved by all of them. */
    public record Counts(long scalars, long uploads, long downloads, long bytes) {
        /** The transfers since {@code earlier}. */
        public Counts since(Counts earlier) {
            return new Counts(scalars - earlier.scalars, uploads - earlier.uploads, downloads - earlier.downloads,
                    bytes - earlier.bytes);
        }
    }

    public Counts counts() {
        return new Counts(scalars, uploads, downloads, bytes);
    }

    /** A new array of the given shape holding {@code values} (row-major). */
    public INDArray device(float[] values, long... shape) {
        INDArray a = org.nd4j.linalg.factory.Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, shape);
        upload(values, a);
        return a;
    }

    /** {@code to} (a whole array, not a view, of {@code from.length} values) ← {@code from}. */
    public void upload(float[] from, INDArray to) {
        if (to.isView() || to.length() != from.length) {
            throw new IllegalArgumentException("an upload fills a whole array of " + from.length + " values, found " + to.shapeInfoToString());
        }
        count(from.length, true);
        to.data().setData(from);
    }

    /** {@code count} row indices handed to a gather on the device. */
    public void indices(int count) {
        count(count, true);
    }

    /** The values of {@code from} (row after row) into {@code into} from {@code offset}. */
    public void download(INDArray from, float[] into, int offset) {
        count(from.length(), false);
        INDArray whole = from.isView() || from.ordering() != 'c' ? from.dup('c') : from;
        System.arraycopy(whole.data().asFloat(), 0, into, offset, (int) from.length());
    }

    /** The values of an integer array {@code from} into {@code into}. */
    public void download(INDArray from, int[] into) {
        count(from.length(), false);
        INDArray whole = from.isView() || from.ordering() != 'c' ? from.dup('c') : from;
        System.arraycopy(whole.data().asInt(), 0, into, 0, (int) from.length());
    }

    private void count(long values, boolean up) {
        bytes += values * 4;
        if (values == 1) {
            scalars++;
        } else if (up) {
            uploads++;
        } else {
            downloads++;
        }
    }
}
