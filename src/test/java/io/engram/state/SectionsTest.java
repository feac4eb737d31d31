package io.engram.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The framing of a sectioned state: what it writes, and every way a reader refuses a state, each naming the section. */
class SectionsTest {

    private static byte[] write(Writing writing) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Sections.Writer writer = new Sections.Writer(new DataOutputStream(bytes));
        writing.write(writer);
        writer.end();
        return bytes.toByteArray();
    }

    private interface Writing {
        void write(Sections.Writer writer) throws IOException;
    }

    private static Sections.Reader reader(byte[] state) throws IOException {
        return new Sections.Reader(new DataInputStream(new ByteArrayInputStream(state)));
    }

    @Test
    void sections_readBackInOrder_withTheirVersionsAndExactLengths() throws IOException {
        byte[] state = write(w -> {
            w.section("counts", 1, out -> {
                out.writeInt(7);
                out.writeUTF("seven");
            });
            w.section("values", 3, out -> Binary.floats(out, new float[] {1.5f, -0.25f}));
        });
        List<StateFrames.Frame> frames = StateFrames.split(state);
        assertThat(frames).extracting(StateFrames.Frame::name).containsExactly("counts", "values");
        assertThat(frames).extracting(StateFrames.Frame::version).containsExactly(1, 3);
        assertThat(frames.get(0).body()).hasSize(4 + 2 + 5);
        assertThat(frames.get(1).body()).hasSize(4 + 2 * 4);

        List<Object> read = new ArrayList<>();
        Sections.Reader reader = reader(state);
        reader.section("counts", 1, 1, (in, version) -> {
            read.add(in.readInt());
            read.add(in.readUTF());
        });
        reader.section("values", 1, 3, (in, version) -> {
            read.add(version);
            read.add(Binary.floats(in)[1]);
        });
        reader.end();
        assertThat(read).containsExactly(7, "seven", 3, -0.25f);
    }

    @Test
    void sectionOfAVersionTheReaderDoesNotKnow_isRefused_namingSectionVersionAndVersionsRead() throws IOException {
        byte[] state = write(w -> w.section("replay", 4, out -> out.writeInt(1)));
        assertThatThrownBy(() -> reader(state).section("replay", 1, 1, (in, version) -> in.readInt()))
                .isInstanceOf(IOException.class).hasMessageContaining("section 'replay' has version 4")
                .hasMessageContaining("reads version 1 of it");
        assertThatThrownBy(() -> reader(state).section("replay", 1, 3, (in, version) -> in.readInt()))
                .isInstanceOf(IOException.class).hasMessageContaining("section 'replay' has version 4")
                .hasMessageContaining("reads versions 1 to 3 of it");
    }

    @Test
    void unknownSection_whereAnotherIsExpected_isRefused_namingBoth() throws IOException {
        byte[] state = write(w -> {
            w.section("sketch", 1, out -> out.writeInt(1));
            w.section("network", 1, out -> out.writeInt(2));
        });
        assertThatThrownBy(() -> reader(state).section("network", 1, 1, (in, version) -> in.readInt()))
                .isInstanceOf(IOException.class).hasMessageContaining("section 'sketch' (version 1) found where section 'network'")
                .hasMessageContaining("unknown here");
    }

    @Test
    void unknownSection_afterTheLastOneExpected_isRefusedAtTheEnd() throws IOException {
        byte[] state = write(w -> {
            w.section("network", 1, out -> out.writeInt(2));
            w.section("sketch", 2, out -> out.writeInt(1));
        });
        Sections.Reader reader = reader(state);
        reader.section("network", 1, 1, (in, version) -> in.readInt());
        assertThatThrownBy(reader::end).isInstanceOf(IOException.class)
                .hasMessageContaining("section 'sketch' (version 2) is unknown here")
                .hasMessageContaining("after section 'network'");
    }

    @Test
    void missingSection_isRefused_namingIt() throws IOException {
        byte[] state = write(w -> w.section("network", 1, out -> out.writeInt(2)));
        Sections.Reader reader = reader(state);
        reader.section("network", 1, 1, (in, version) -> in.readInt());
        assertThatThrownBy(() -> reader.section("replay", 1, 1, (in, version) -> in.readInt()))
                .isInstanceOf(IOException.class).hasMessageContaining("section 'replay' is missing")
                .hasMessageContaining("after section 'network'");
    }

    @Test
    void shortSection_whoseReaderNeedsMoreThanItHolds_isRefused_namingIt() throws IOException {
        byte[] state = StateFrames.join(List.of(StateFrames.framed("window", 1, 3, new byte[] {0, 0, 1}),
                StateFrames.framed("prior-kfac", 1, 4, new byte[] {0, 0, 0, 9})));
        assertThatThrownBy(() -> reader(state).section("window", 1, 1, (in, version) -> in.readInt()))
                .isInstanceOf(IOException.class).hasMessageContaining("section 'window' (version 1) is short")
                .hasMessageContaining("more than the 3 bytes it holds");
    }

    @Test
    void sectionWhoseReaderLeavesBytes_isRefused_namingIt() throws IOException {
        byte[] state = write(w -> w.section("learner", 1, out -> out.writeLong(5)));
        assertThatThrownBy(() -> reader(state).section("learner", 1, 1, (in, version) -> in.readInt()))
                .isInstanceOf(IOException.class).hasMessageContaining("section 'learner' (version 1) holds 8 bytes, its reader used 4");
    }

    @Test
    void stateWithoutTheMagic_isRefused_sayingWhatItMayBe() {
        byte[] old = {0, 0, 0, 2, 0, 1, 't', 0, 0, 0, 0, 0, 0, 0};
        assertThatThrownBy(() -> reader(old)).isInstanceOf(IOException.class).hasMessageContaining("not a sectioned state")
                .hasMessageContaining("checkpoint format 1 or 2");
    }

    @Test
    void writerWhoseBodyWritesOtherBytesTheSecondTime_isRefused() {
        int[] calls = {0};
        assertThatThrownBy(() -> write(w -> w.section("learner", 1, out -> {
            for (int i = 0; i <= calls[0]; i++) {
                out.writeInt(i);
            }
            calls[0]++;
        }))).isInstanceOf(IllegalStateException.class).hasMessageContaining("section 'learner' wrote 4 bytes, then 8");
    }
}
