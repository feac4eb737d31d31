package io.engram.learn;

import io.engram.replay.ReservoirBuffer;
import io.engram.state.Sections;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** A learning core's (or its buffer's) state alone, as a sectioned state in a byte array, for tests. */
final class CoreState {

    private CoreState() {
    }

    static byte[] write(LearningCore core) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Sections.Writer state = new Sections.Writer(new DataOutputStream(bytes));
        core.writeState(state);
        state.end();
        return bytes.toByteArray();
    }

    static void read(LearningCore core, byte[] bytes, long seed) throws IOException {
        Sections.Reader state = new Sections.Reader(new DataInputStream(new ByteArrayInputStream(bytes)));
        core.readState(state, seed);
        state.end();
    }

    static byte[] write(ReservoirBuffer buffer) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Sections.Writer state = new Sections.Writer(new DataOutputStream(bytes));
        buffer.writeState(state);
        state.end();
        return bytes.toByteArray();
    }

    static void read(ReservoirBuffer buffer, byte[] bytes, long seed) throws IOException {
        Sections.Reader state = new Sections.Reader(new DataInputStream(new ByteArrayInputStream(bytes)));
        buffer.restore(state, seed);
        state.end();
    }
}
