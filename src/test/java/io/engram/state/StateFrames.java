package io.engram.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Takes a sectioned state apart into its framed sections and puts one together, by its own
 * reading of the layout in {@link Sections} (not through it), for golden files and for tests
 * that damage a section.
 */
public final class StateFrames {

    private StateFrames() {
    }

    /** One framed section: name, version, body, and the frame's bytes as written (name, version, length, body). */
    public record Frame(String name, int version, byte[] body) {

        public byte[] bytes() {
            return framed(name, version, body.length, body);
        }
    }

    /** The sections of a state, in order; the state must end right after its end mark. */
    public static List<Frame> split(byte[] state) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            byte[] magic = in.readNBytes(Sections.MAGIC.length);
            if (!Arrays.equals(magic, Sections.MAGIC) || in.readInt() != Sections.FORMAT) {
                throw new IllegalArgumentException("not a sectioned state of format " + Sections.FORMAT);
            }
            List<Frame> frames = new ArrayList<>();
            for (String name = in.readUTF(); !name.isEmpty(); name = in.readUTF()) {
                int version = in.readInt();
                long length = in.readLong();
                frames.add(new Frame(name, version, in.readNBytes((int) length)));
            }
            if (in.read() != -1) {
                throw new IllegalArgumentException("bytes after the state's end mark");
            }
            return frames;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A state of these framed sections: header, the sections in order, end mark. */
    public static byte[] join(List<byte[]> framedSections) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(Sections.MAGIC);
            out.writeInt(Sections.FORMAT);
            for (byte[] section : framedSections) {
                out.write(section);
            }
            out.writeUTF("");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A frame with any length field, right or wrong, for tests that damage one. */
    public static byte[] framed(String name, int version, long length, byte[] body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(name);
            out.writeInt(version);
            out.writeLong(length);
            out.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
