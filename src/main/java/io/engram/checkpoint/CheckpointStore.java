package io.engram.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint files in a folder: {@code checkpoint-<sequence>.bin}, each a header (magic
 * {@code ENGRAMCK}, format version, payload length, CRC-32 of the payload) and the payload.
 * Written to a temporary file, fsynced, atomically moved into place, the folder fsynced; older
 * files pruned. Reading takes the newest file that is whole, skipping torn or corrupt ones with a
 * warning; a file of a newer format stops the reader with a message saying so.
 */
public final class CheckpointStore {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    static final byte[] MAGIC = {'E', 'N', 'G', 'R', 'A', 'M', 'C', 'K'};
    /**
     * The format this Engram writes and the only one it reads. 3: each model's state is sectioned,
     * a version per section (io.engram.state.Sections, docs/state-format.md). Files of formats 1 and
     * 2 (one layout for the whole state) are skipped with a warning: without a checkpoint the
     * service starts fresh and replays the topic from its beginning.
     */
    public static final int FORMAT_VERSION = 3;
    private static final int HEADER_BYTES = 8 + 4 + 8 + 8;

    private final Path folder;
    private final int keep;

    public CheckpointStore(Path folder, int keep) {
        this.folder = folder;
        this.keep = keep;
    }

    /** One checkpoint read back: its CRC checked, its payload streamed from the file. */
    public record Loaded(Path file, long sequence, int formatVersion, long length) {

        /** The payload, streamed from the file (the state is never held in one array). */
        public DataInputStream stream() throws IOException {
            InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16);
            in.skipNBytes(HEADER_BYTES);
            return new DataInputStream(new java.io.BufferedInputStream(new LimitedInput(in, length), 1 << 16));
        }

        /** The whole payload in memory (tests and small files). */
        public byte[] payload() throws IOException {
            try (DataInputStream in = stream()) {
                return in.readAllBytes();
            }
        }
    }

    /** Reads at most {@code left} bytes of {@code in}. */
    private static final class LimitedInput extends java.io.FilterInputStream {
        private long left;

        LimitedInput(InputStream in, long left) {
            super(in);
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            left -= b >= 0 ? 1 : 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            left -= Math.max(0, n);
            return n;
        }
    }

    /** Writes a payload to a stream. */
    @FunctionalInterface
    public interface PayloadWriter {
        void write(DataOutputStream out) throws IOException;
    }

    /** A checkpoint written by a newer Engram than this one. */
    public static final class NewerFormatException extends IOException {
        public NewerFormatException(String message) {
            super(message);
        }
    }

    /** Writes a checkpoint atomically; returns its file. */
    public Path write(byte[] payload) throws IOException {
        return write(out -> out.write(payload));
    }

    /**
     * Writes a checkpoint atomically, streaming the payload to the file through the CRC (the state
     * is never built in one array); the header, with length and CRC, is written last at the
     * file's start. Returns the file.
     */
    public Path write(PayloadWriter writer) throws IOException {
        Files.createDirectories(folder);
        long sequence = files().stream().mapToLong(CheckpointStore::sequence).max().orElse(0) + 1;
        Path target = folder.resolve(String.format("checkpoint-%020d.bin", sequence));
        Path tmp = folder.resolve(target.getFileName() + ".tmp");
        CRC32 crc = new CRC32();
        long length;
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            channel.position(HEADER_BYTES);
            java.util.zip.CheckedOutputStream checked = new java.util.zip.CheckedOutputStream(
                    java.nio.channels.Channels.newOutputStream(channel), crc);
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(checked, 1 << 16));
            writer.write(out);
            out.flush();
            length = channel.position() - HEADER_BYTES;
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            header.put(MAGIC).putInt(FORMAT_VERSION).putLong(length).putLong(crc.getValue()).flip();
            channel.position(0);
            while (header.hasRemaining()) {
                channel.write(header);
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the move itself is atomic
        }
        prune();
        return target;
    }

    /** The newest whole checkpoint, skipping torn or corrupt files; empty when there is none. */
    public Optional<Loaded> newest() throws IOException {
        List<Path> files = files();
        files.sort(Comparator.comparingLong(CheckpointStore::sequence).reversed());
        for (Path file : files) {
            try {
                return Optional.of(read(file));
            } catch (NewerFormatException e) {
                throw e;
            } catch (IOException e) {
                LOG.warn("Skipping checkpoint {}: {}; trying the one before", file.getFileName(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    static Loaded read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IOException("not an Engram checkpoint (bad magic)");
            }
            int version = in.readInt();
            if (version > FORMAT_VERSION) {
                throw new NewerFormatException("checkpoint " + file + " has format " + version + ", this Engram reads at most "
                        + FORMAT_VERSION + ": run a newer Engram, or move the file away to start from the one before");
            }
            if (version < FORMAT_VERSION) {
                throw new IOException("format " + version + " predates sectioned model state (format " + FORMAT_VERSION
                        + ") and is not read; without a checkpoint the service starts fresh and replays the topic from its beginning");
            }
            long length = in.readLong();
            long expectedCrc = in.readLong();
            if (length < 0 || length > Files.size(file) - HEADER_BYTES) {
                throw new IOException("torn: header says " + length + " bytes, the file holds " + (Files.size(file) - HEADER_BYTES));
            }
            CRC32 crc = new CRC32();
            byte[] buffer = new byte[1 << 16];
            long left = length;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new java.io.EOFException();
                }
                crc.update(buffer, 0, n);
                left -= n;
            }
            if (crc.getValue() != expectedCrc) {
                throw new IOException("corrupt: CRC-32 " + Long.toHexString(crc.getValue()) + ", expected " + Long.toHexString(expectedCrc));
            }
            return new Loaded(file, sequence(file), version, length);
        } catch (java.io.EOFException e) {
            throw new IOException("torn: the file ends early", e);
        }
    }

    private void prune() throws IOException {
        List<Path> files = files();
        files.sort(Comparator.comparingLong(CheckpointStore::sequence).reversed());
        for (int i = keep; i < files.size(); i++) {
            Files.deleteIfExists(files.get(i));
        }
    }

    List<Path> files() throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return files;
        }
        try (var stream = Files.list(folder)) {
            stream.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+\\.bin")).forEach(files::add);
        }
        return files;
    }

    /** The sequence number in {@code checkpoint-<n>.bin}; 0 for a file named otherwise. */
    static long sequence(Path file) {
        String name = file.getFileName().toString();
        return name.matches("checkpoint-\\d+\\.bin")
                ? Long.parseLong(name.substring("checkpoint-".length(), name.length() - ".bin".length())) : 0;
    }

    /** A payload builder: write with the stream, then {@link #bytes()}. */
    public static final class Payload {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
        private final DataOutputStream out = new DataOutputStream(bytes);

        public DataOutputStream out() {
            return out;
        }

        public byte[] bytes() throws IOException {
            out.flush();
            return bytes.toByteArray();
        }
    }
}
