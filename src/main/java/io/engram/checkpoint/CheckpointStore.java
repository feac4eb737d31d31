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
    /** The format this Engram writes; it reads this version and older. */
    public static final int FORMAT_VERSION = 1;
    private static final int HEADER_BYTES = 8 + 4 + 8 + 8;

    private final Path folder;
    private final int keep;

    public CheckpointStore(Path folder, int keep) {
        this.folder = folder;
        this.keep = keep;
    }

    /** One checkpoint read back. */
    public record Loaded(Path file, long sequence, int formatVersion, byte[] payload) {
        public DataInputStream stream() {
            return new DataInputStream(new java.io.ByteArrayInputStream(payload));
        }
    }

    /** A checkpoint written by a newer Engram than this one. */
    public static final class NewerFormatException extends IOException {
        public NewerFormatException(String message) {
            super(message);
        }
    }

    /** Writes a checkpoint atomically; returns its file. */
    public Path write(byte[] payload) throws IOException {
        Files.createDirectories(folder);
        long sequence = files().stream().mapToLong(CheckpointStore::sequence).max().orElse(0) + 1;
        Path target = folder.resolve(String.format("checkpoint-%020d.bin", sequence));
        Path tmp = folder.resolve(target.getFileName() + ".tmp");
        CRC32 crc = new CRC32();
        crc.update(payload);
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(MAGIC).putInt(FORMAT_VERSION).putLong(payload.length).putLong(crc.getValue()).flip();
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (header.hasRemaining()) {
                channel.write(header);
            }
            ByteBuffer body = ByteBuffer.wrap(payload);
            while (body.hasRemaining()) {
                channel.write(body);
            }
            channel.force(true);
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
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(raw)) {
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
            long length = in.readLong();
            long expectedCrc = in.readLong();
            if (length < 0 || length > Files.size(file) - HEADER_BYTES) {
                throw new IOException("torn: header says " + length + " bytes, the file holds " + (Files.size(file) - HEADER_BYTES));
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            CRC32 crc = new CRC32();
            crc.update(payload);
            if (crc.getValue() != expectedCrc) {
                throw new IOException("corrupt: CRC-32 " + Long.toHexString(crc.getValue()) + ", expected " + Long.toHexString(expectedCrc));
            }
            return new Loaded(file, sequence(file), version, payload);
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
