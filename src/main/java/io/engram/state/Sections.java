package io.engram.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * One model's state as named sections, each with its own version, written and read in a fixed
 * order by the classes that own the state (docs/state-format.md lists them):
 *
 * <pre>
 * state   := magic "ENGRAMST" (8 bytes) · int format (1) · section* · end
 * section := UTF name (not empty) · int version · long length · length bytes
 * end     := UTF "" (two zero bytes)
 * </pre>
 *
 * <p>A reader names the section it expects and the versions of it it can read, and refuses, with
 * an {@link IOException} naming the section: another section in its place (a state of other
 * settings, or a section this Engram does not know), a version outside its range, a body its
 * reader does not consume exactly (it needs more bytes than the section holds, or leaves some);
 * and what its owner's reader refuses (a shape that does not fit the settings) is prefixed with
 * the section's name.
 *
 * <p>Implementation notes. The length comes before the bytes, so the writer runs each section's
 * body twice: once into a counter, once into the stream, and checks both wrote the same number
 * of bytes. No section is ever held in memory (a rehearsal buffer or the evaluation sets may be
 * tens of megabytes), at the cost of encoding each section twice.
 */
public final class Sections {

    static final byte[] MAGIC = {'E', 'N', 'G', 'R', 'A', 'M', 'S', 'T'};
    /** The framing's own version: the header and the section frame, not what a section holds. */
    public static final int FORMAT = 1;

    private Sections() {
    }

    /** Writes one section's body; it must write the same bytes each time it is called. */
    @FunctionalInterface
    public interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    /** Reads one section's body, written in {@code version}; it must consume the section exactly. */
    @FunctionalInterface
    public interface Reading {
        void read(DataInputStream in, int version) throws IOException;
    }

    /** Writes a model's state: the header at construction, then {@link #section} in order, then {@link #end()}. */
    public static final class Writer {
        private final DataOutputStream out;

        public Writer(DataOutputStream out) throws IOException {
            this.out = out;
            out.write(MAGIC);
            out.writeInt(FORMAT);
        }

        public void section(String name, int version, Body body) throws IOException {
            if (name.isEmpty() || version < 1) {
                throw new IllegalArgumentException("a section needs a name and a version from 1, got '" + name + "' " + version);
            }
            Counting counted = new Counting(OutputStream.nullOutputStream());
            body.write(new DataOutputStream(counted));
            out.writeUTF(name);
            out.writeInt(version);
            out.writeLong(counted.bytes);
            Counting written = new Counting(out);
            body.write(new DataOutputStream(written));
            if (written.bytes != counted.bytes) {
                throw new IllegalStateException("state section '" + name + "' wrote " + counted.bytes + " bytes, then "
                        + written.bytes + ": its writer must write the same state each time it is called");
            }
        }

        public void end() throws IOException {
            out.writeUTF("");
        }
    }

    /** Reads a model's state: the header at construction, then {@link #section} in order, then {@link #end()}. */
    public static final class Reader {
        private final DataInputStream in;
        private String name;
        private int version;
        private long length;
        private String previous;

        public Reader(DataInputStream in) throws IOException {
            this.in = in;
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException("model state does not start with ENGRAMST: it is not a sectioned state (written by an "
                        + "Engram before sectioned state, checkpoint format 1 or 2) or it is corrupt");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IOException("model state has framing format " + format + ", this Engram reads format " + FORMAT
                        + ": run the Engram that wrote it, or start without this state");
            }
        }

        /**
         * Reads section {@code expected}, whose versions {@code oldest} to {@code newest} this
         * Engram reads, with {@code body}.
         */
        public void section(String expected, int oldest, int newest, Reading body) throws IOException {
            peek();
            if (name.isEmpty()) {
                throw new IOException("state section '" + expected + "' is missing: the state ends "
                        + (previous == null ? "before any section" : "after section '" + previous + "'")
                        + " (written with other settings?)");
            }
            if (!name.equals(expected)) {
                throw new IOException("state section '" + name + "' (version " + version + ") found where section '" + expected
                        + "' was expected: unknown here; the state was written with other settings (learner method, "
                        + "consolidation) or by another Engram");
            }
            if (version < oldest || version > newest) {
                throw new IOException("state section '" + name + "' has version " + version + "; this Engram reads "
                        + (oldest == newest ? "version " + oldest : "versions " + oldest + " to " + newest)
                        + " of it: run the Engram that wrote it, or start without this state");
            }
            Bounded bounded = new Bounded(in, length);
            try {
                body.read(new DataInputStream(bounded), version);
            } catch (EOFException e) {
                throw new IOException("state section '" + name + "' (version " + version + ") is short: its reader needs more "
                        + "than the " + length + " bytes it holds (corrupt, or written differently from how it is read)", e);
            } catch (IOException e) {
                throw new IOException("state section '" + name + "' (version " + version + "): " + e.getMessage(), e);
            }
            if (bounded.left > 0) {
                throw new IOException("state section '" + name + "' (version " + version + ") holds " + length
                        + " bytes, its reader used " + (length - bounded.left) + " (corrupt, or written differently from how "
                        + "it is read: a field added without a version bump?)");
            }
            previous = name;
            name = null;
        }

        /** The state ends here; a section still to come is refused. */
        public void end() throws IOException {
            peek();
            if (!name.isEmpty()) {
                throw new IOException("state section '" + name + "' (version " + version + ") is unknown here: the state "
                        + "should end after section '" + previous + "' (written with other settings or by another Engram)");
            }
            name = null;
        }

        private void peek() throws IOException {
            if (name != null) {
                return;
            }
            name = in.readUTF();
            if (name.isEmpty()) {
                return;
            }
            version = in.readInt();
            length = in.readLong();
            if (length < 0) {
                throw new IOException("state section '" + name + "' has a negative length " + length + ": corrupt");
            }
        }
    }

    /** Counts the bytes written through it. */
    private static final class Counting extends FilterOutputStream {
        long bytes;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            bytes += len;
        }
    }

    /** Reads at most {@code left} bytes of {@code in}, unbuffered, so what a section's reader leaves is known. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        long left;

        Bounded(InputStream in, long left) {
            this.in = in;
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException();
            }
            left -= n;
            return n;
        }
    }
}
