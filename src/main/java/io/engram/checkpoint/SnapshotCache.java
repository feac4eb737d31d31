package io.engram.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local copy of the snapshots this instance wrote, in {@code engram.data-dir/state/<topic>-<p>/}:
 * the partition's newest marker with its offset on {@code engram.state}, and one file per model with
 * the bytes of its newest snapshot. Written only after the snapshot's transaction committed, so it is
 * never ahead of Kafka; read only as a shortcut: a restore reads {@code engram.state} from the cached
 * marker's offset instead of from the beginning, takes a newer marker when the tail holds one, and
 * uses a cached model file only when its SHA-256 is the one the newest marker lists. Anything that
 * does not check out sends the restore back to reading the whole state partition.
 *
 * <p>Memory: none held. Disk: about one snapshot per model learned here (a model's state, e.g. 16 MB
 * for the default network with a full buffer); the files of partitions that moved away stay until
 * the partition comes back and is rewritten, or the data dir is cleared.
 */
final class SnapshotCache {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotCache.class);
    private static final String MARKER = "marker";

    private final Path root;

    SnapshotCache(Path root) {
        this.root = root;
    }

    /** The cached marker of a partition: its offset on the state topic and its bytes. */
    record Cached(long offset, byte[] marker) {
    }

    private Path folder(TopicPartition tp) {
        return root.resolve(tp.topic() + "-" + tp.partition());
    }

    /** After a snapshot committed: the changed models' bytes, then the marker; models no longer listed are removed. */
    void written(TopicPartition tp, long markerOffset, byte[] marker, Map<String, byte[]> changed, Set<String> models) {
        Path dir = folder(tp);
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> e : changed.entrySet()) {
                atomicWrite(dir.resolve(e.getKey() + ".snap"), e.getValue());
            }
            atomicWrite(dir.resolve(MARKER), ByteBuffer.allocate(8 + marker.length).putLong(markerOffset).put(marker).array());
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    String name = f.getFileName().toString();
                    if (name.endsWith(".snap") && !models.contains(name.substring(0, name.length() - 5))) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        } catch (IOException e) {
            // only a shortcut: the next restore reads engram.state in full
            LOG.warn("Could not update the local snapshot cache in {} ({}); restores read engram.state in full", dir, e.toString());
            deleteMarker(tp);
        }
    }

    Optional<Cached> marker(TopicPartition tp) {
        Path file = folder(tp).resolve(MARKER);
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length < 9) {
                return Optional.empty();
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long offset = buffer.getLong();
            byte[] marker = new byte[bytes.length - 8];
            buffer.get(marker);
            return Optional.of(new Cached(offset, marker));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A model's cached snapshot bytes, or null. */
    byte[] model(TopicPartition tp, String model) {
        Path file = folder(tp).resolve(model + ".snap");
        try {
            return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
        } catch (IOException e) {
            return null;
        }
    }

    void deleteMarker(TopicPartition tp) {
        try {
            Files.deleteIfExists(folder(tp).resolve(MARKER));
        } catch (IOException e) {
            LOG.debug("Could not delete the cached marker of {}: {}", tp, e.toString());
        }
    }

    private static void atomicWrite(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
