package io.engram.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {

    @TempDir
    Path dir;

    private static byte[] payload(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void write_thenNewest_returnsTheLastPayload_andPrunesOldOnes() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 2);
        store.write(payload("one"));
        store.write(payload("two"));
        store.write(payload("three"));
        assertThat(new String(store.newest().orElseThrow().payload(), StandardCharsets.UTF_8)).isEqualTo("three");
        assertThat(store.files()).hasSize(2);
        assertThat(Files.list(dir).filter(p -> p.toString().endsWith(".tmp")).count()).isZero();
    }

    @Test
    void corruptNewest_fallsBackToThePreviousOne() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 3);
        store.write(payload("good"));
        Path newest = store.write(payload("will be corrupted"));
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.seek(f.length() - 3);
            f.write('X');
        }
        assertThat(new String(store.newest().orElseThrow().payload(), StandardCharsets.UTF_8)).isEqualTo("good");
    }

    @Test
    void tornNewest_fallsBackToThePreviousOne() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 3);
        store.write(payload("good"));
        Path newest = store.write(payload("a long payload that will be cut short"));
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.setLength(f.length() - 10);
        }
        assertThat(new String(store.newest().orElseThrow().payload(), StandardCharsets.UTF_8)).isEqualTo("good");
    }

    @Test
    void newerFormat_isRejectedWithAClearMessage() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 3);
        Path file = store.write(payload("x"));
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(8);
            f.write(ByteBuffer.allocate(4).putInt(CheckpointStore.FORMAT_VERSION + 1).array());
        }
        assertThatThrownBy(store::newest).isInstanceOf(CheckpointStore.NewerFormatException.class)
                .hasMessageContaining("this Engram reads at most " + CheckpointStore.FORMAT_VERSION);
    }

    @Test
    void emptyFolder_hasNoCheckpoint() throws Exception {
        assertThat(new CheckpointStore(dir.resolve("none"), 3).newest()).isEmpty();
    }
}
