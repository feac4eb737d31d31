package io.engram.replay;

import io.engram.network.Rows;
import io.engram.state.Binary;
import io.engram.state.Sections;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The rehearsal buffer: a fixed number of examples in storage allocated once, whatever the length
 * of the stream. Inputs live in {@link Rows} the network provides (slot s is row s): a heap array
 * for the JVM kernel, an ND4J matrix on the device for the ND4J one, so replayed rows are gathered
 * there and never copied back. The bookkeeping stays on the host: label and task of a slot share
 * one int (label in the low 16 bits, task index in the high 16), and every count, index and random
 * draw. Memory: capacity × (inputSize + 1) × 4 bytes (the device's rows add their one-hot
 * classes), plus for the balanced policies 8 bytes a slot of bookkeeping.
 *
 * <p>Call order: {@link #add} once per train example in stream order (it decides whether and
 * where the example is kept), {@link #sample} whenever a replay batch is needed. Both draw from
 * one seeded random source, so a run is reproducible.
 *
 * <p>Implementation notes. Reservoir sampling is Vitter's Algorithm R: the n-th example (counting
 * from 1) replaces slot p when p, uniform in [0, n), is below the capacity. The balanced policies
 * follow class-balanced reservoir sampling (Chrysakis and Moens, ICML 2020): when the buffer is
 * full, an example of a group that is not among the largest replaces a random example of a
 * largest group; one of a largest group replaces a random example of its own group with
 * probability (its group's count in the buffer) / (its group's examples seen). Sampling without
 * replacement uses Floyd's algorithm with a bitmap of the slots (capacity / 8 bytes), then
 * shuffles the drawn slots.
 */
public final class ReservoirBuffer {

    /** Tags pack label and task in one int: 16 bits each. */
    public static final int MAX_LABELS = 1 << 16;
    public static final int MAX_TASKS = 1 << 15;
    /** The name of its state section. */
    public static final String SECTION = "replay";
    /** The layout of its state section; a change to {@link #writeTo} bumps it (docs/state-format.md). */
    static final int STATE_VERSION = 1;
    /** Rows read out of the storage at a time when the state is written. */
    private static final int STATE_CHUNK_ROWS = 256;

    private final int capacity;
    private final int inputSize;
    private final ReplayPolicy policy;
    private final Rows rows;
    private final int[] tags;
    private final long[] chosen;
    private SplittableRandom random;
    private int size;
    private long seen;

    // balanced policies only: slots of each group, and each slot's position in its group's list
    private int[][] groupSlots;
    private int[] groupCount;
    private long[] groupSeen;
    private final int[] positionInGroup;

    /** A buffer on the heap. */
    public ReservoirBuffer(int capacity, int inputSize, ReplayPolicy policy, long seed) {
        this(Rows.onHeap(capacity, inputSize), policy, seed);
    }

    /** A buffer holding its examples in {@code rows} (their capacity and width are the buffer's). */
    public ReservoirBuffer(Rows rows, ReplayPolicy policy, long seed) {
        int capacity = rows.capacity();
        this.capacity = capacity;
        this.inputSize = rows.width();
        this.policy = policy;
        this.rows = rows;
        this.tags = new int[capacity];
        this.chosen = new long[(capacity + 63) / 64];
        this.random = new SplittableRandom(seed);
        boolean balanced = policy != ReplayPolicy.RESERVOIR;
        this.positionInGroup = balanced ? new int[capacity] : null;
        this.groupSlots = balanced ? new int[0][] : null;
        this.groupCount = balanced ? new int[0] : null;
        this.groupSeen = balanced ? new long[0] : null;
    }

    /**
     * Offers one train example; returns the slot it now occupies, or −1 when it was not kept.
     *
     * @param task the task's index (0-based, order of first appearance)
     */
    public int add(float[] x, int offset, int label, int task) {
        int slot = slotFor(label, task);
        if (slot >= 0) {
            rows.put(slot, x, offset, label);
            tags[slot] = (task << 16) | label;
        }
        return slot;
    }

    /**
     * {@link #add(float[], int, int, int)} of an example held in slot {@code fromSlot} of
     * {@code from} (rows of the same network), copied where it lies (on the device, device to device).
     */
    public int add(Rows from, int fromSlot, int label, int task) {
        int slot = slotFor(label, task);
        if (slot >= 0) {
            rows.copy(slot, from, fromSlot, label);
            tags[slot] = (task << 16) | label;
        }
        return slot;
    }

    /** Counts one offered example and decides its slot, or −1. */
    private int slotFor(int label, int task) {
        if (label < 0 || label >= MAX_LABELS || task < 0 || task >= MAX_TASKS) {
            throw new IllegalArgumentException("label " + label + " or task " + task + " out of range");
        }
        seen++;
        if (capacity == 0) {
            return -1;
        }
        return policy == ReplayPolicy.RESERVOIR ? reservoirSlot() : balancedSlot(group(label, task));
    }

    private int reservoirSlot() {
        if (size < capacity) {
            return size++;
        }
        long p = random.nextLong(seen);
        return p < capacity ? (int) p : -1;
    }

    private int balancedSlot(int group) {
        ensureGroup(group);
        groupSeen[group]++;
        if (size < capacity) {
            int slot = size++;
            join(group, slot);
            return slot;
        }
        int largest = 0;
        for (int g = 0; g < groupCount.length; g++) {
            largest = Math.max(largest, groupCount[g]);
        }
        int victimGroup;
        if (groupCount[group] < largest) {
            // a random group among the largest
            int ties = 0;
            victimGroup = -1;
            for (int g = 0; g < groupCount.length; g++) {
                if (groupCount[g] == largest && random.nextInt(++ties) == 0) {
                    victimGroup = g;
                }
            }
        } else {
            if (random.nextDouble() * groupSeen[group] >= groupCount[group]) {
                return -1;
            }
            victimGroup = group;
        }
        int slot = groupSlots[victimGroup][random.nextInt(groupCount[victimGroup])];
        leave(victimGroup, slot);
        join(group, slot);
        return slot;
    }

    private int group(int label, int task) {
        return policy == ReplayPolicy.CLASS_BALANCED ? label : task;
    }

    private int groupOfSlot(int slot) {
        return policy == ReplayPolicy.CLASS_BALANCED ? label(slot) : task(slot);
    }

    private void ensureGroup(int group) {
        if (group >= groupCount.length) {
            int n = Math.max(group + 1, groupCount.length * 2);
            groupCount = Arrays.copyOf(groupCount, n);
            groupSeen = Arrays.copyOf(groupSeen, n);
            groupSlots = Arrays.copyOf(groupSlots, n);
        }
        if (groupSlots[group] == null) {
            groupSlots[group] = new int[4];
        }
    }

    private void join(int group, int slot) {
        if (groupCount[group] == groupSlots[group].length) {
            groupSlots[group] = Arrays.copyOf(groupSlots[group], Math.min(capacity, groupSlots[group].length * 2));
        }
        positionInGroup[slot] = groupCount[group];
        groupSlots[group][groupCount[group]++] = slot;
    }

    private void leave(int group, int slot) {
        int position = positionInGroup[slot];
        int last = groupSlots[group][--groupCount[group]];
        groupSlots[group][position] = last;
        positionInGroup[last] = position;
    }

    /**
     * Draws {@code k} distinct slots uniformly (all of them, shuffled, when fewer are filled) into
     * {@code into}; returns how many were drawn.
     */
    public int sample(int k, int[] into) {
        int n = Math.min(k, size);
        // Floyd: for j in [size - n, size): t uniform in [0, j]; take t, or j if t was taken
        int count = 0;
        for (int j = size - n; j < size; j++) {
            int t = random.nextInt(j + 1);
            int pick = isChosen(t) ? j : t;
            chosen[pick >>> 6] |= 1L << pick;
            into[count++] = pick;
        }
        for (int i = 0; i < count; i++) {
            chosen[into[i] >>> 6] = 0L;
        }
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = into[i];
            into[i] = into[j];
            into[j] = swap;
        }
        return count;
    }

    private boolean isChosen(int slot) {
        return (chosen[slot >>> 6] & (1L << slot)) != 0;
    }

    /** The storage of every slot's input (slot s is row s), for batches of replayed rows. */
    public Rows rows() {
        return rows;
    }

    /** The inputs of slots {@code slot .. slot + count − 1}, row after row, into {@code into} from {@code offset} (a copy). */
    public void inputs(int slot, int count, float[] into, int offset) {
        rows.read(slot, count, into, offset);
    }

    public int label(int slot) {
        return tags[slot] & 0xFFFF;
    }

    public int task(int slot) {
        return tags[slot] >>> 16;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public int inputSize() {
        return inputSize;
    }

    public ReplayPolicy policy() {
        return policy;
    }

    /** Train examples offered so far. */
    public long seen() {
        return seen;
    }

    /** Bytes of example storage: capacity × (inputSize + 1) × 4. */
    public long storageBytes() {
        return (long) capacity * (inputSize + 1) * Float.BYTES;
    }

    /** Writes the buffer as its state section. */
    public void writeState(Sections.Writer state) throws IOException {
        state.section(SECTION, STATE_VERSION, this::writeTo);
    }

    /**
     * Replaces this buffer's contents with the state section {@link #writeState} wrote, of a buffer
     * of the same capacity, input size and policy; {@code seed} restarts the random source (a
     * checkpoint stores the seed it derives for the next segment of the stream).
     */
    public void restore(Sections.Reader state, long seed) throws IOException {
        state.section(SECTION, 1, STATE_VERSION, (in, version) -> restore(in, seed));
    }

    /** The section's body, version 1: capacity, input size, policy, size, seen, rows, tags, group counts. */
    void writeTo(DataOutputStream out) throws IOException {
        out.writeInt(capacity);
        out.writeInt(inputSize);
        out.writeUTF(policy.name());
        out.writeInt(size);
        out.writeLong(seen);
        float[] chunk = new float[Math.min(size, STATE_CHUNK_ROWS) * inputSize];
        for (int from = 0; from < size; from += STATE_CHUNK_ROWS) {
            int n = Math.min(STATE_CHUNK_ROWS, size - from);
            rows.read(from, n, chunk, 0);
            Binary.writeFloats(out, chunk, 0, n * inputSize);
        }
        Binary.writeInts(out, tags, 0, size);
        if (policy != ReplayPolicy.RESERVOIR) {
            out.writeInt(groupSeen.length);
            for (long s : groupSeen) {
                out.writeLong(s);
            }
        }
    }

    private void restore(DataInputStream in, long seed) throws IOException {
        ReservoirBuffer read = readFrom(in, seed);
        if (read.capacity != capacity || read.inputSize != inputSize || read.policy != policy) {
            throw new IOException("checkpointed buffer (" + read.capacity + " × " + read.inputSize + ", " + read.policy
                    + ") does not fit this one (" + capacity + " × " + inputSize + ", " + policy + "): settings changed");
        }
        float[] row = new float[inputSize];
        for (int slot = 0; slot < read.size; slot++) {
            read.rows.read(slot, 1, row, 0);
            rows.put(slot, row, 0, read.label(slot));
        }
        System.arraycopy(read.tags, 0, tags, 0, read.size);
        size = read.size;
        seen = read.seen;
        random = read.random;
        if (policy != ReplayPolicy.RESERVOIR) {
            groupSlots = read.groupSlots;
            groupCount = read.groupCount;
            groupSeen = read.groupSeen;
            System.arraycopy(read.positionInGroup, 0, positionInGroup, 0, read.size);
        }
    }

    /** Examples seen per group (label or task), for balanced policies; empty for reservoir sampling. */
    long[] groupSeen() {
        return groupSeen == null ? new long[0] : groupSeen.clone();
    }

    /** Reads a section body written by {@link #writeTo} into a new buffer; {@code seed} starts its random source. */
    static ReservoirBuffer readFrom(DataInputStream in, long seed) throws IOException {
        int capacity = in.readInt();
        int inputSize = in.readInt();
        ReplayPolicy policy = ReplayPolicy.valueOf(in.readUTF());
        ReservoirBuffer buffer = new ReservoirBuffer(capacity, inputSize, policy, seed);
        buffer.size = in.readInt();
        if (buffer.size < 0 || buffer.size > capacity) {
            throw new IOException("checkpointed buffer holds " + buffer.size + " rows, more than its capacity " + capacity + ": corrupt");
        }
        buffer.seen = in.readLong();
        float[] inputs = new float[buffer.size * inputSize];
        Binary.readFloats(in, inputs, 0, inputs.length);
        Binary.readInts(in, buffer.tags, 0, buffer.size);
        for (int slot = 0; slot < buffer.size; slot++) {
            buffer.rows.put(slot, inputs, slot * inputSize, buffer.label(slot));
        }
        if (policy != ReplayPolicy.RESERVOIR) {
            int groups = in.readInt();
            buffer.ensureGroup(Math.max(0, groups - 1));
            for (int g = 0; g < groups; g++) {
                buffer.groupSeen[g] = in.readLong();
            }
            for (int slot = 0; slot < buffer.size; slot++) {
                int group = buffer.groupOfSlot(slot);
                buffer.ensureGroup(group);
                buffer.join(group, slot);
            }
        }
        return buffer;
    }
}
