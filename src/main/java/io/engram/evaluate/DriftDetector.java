package io.engram.evaluate;

import io.engram.config.DriftDetection;
import io.engram.state.Sections;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Boundaries of a stream that carries none: watches the prequential (test-then-train) 0/1 error of
 * the train examples with {@link Adwin} and raises an alarm when the window shrinks and its
 * estimate of the error rises (a drop of the error is learning, not drift). The learner ends the
 * current segment of the example's task at an alarm and begins the next one; this class numbers
 * the segments: a task's first segment is the task itself, the next ones {@code <task>#2},
 * {@code <task>#3}, ... ({@code #} never appears in a task name a producer may send).
 *
 * <p>Every segment starts with a fresh window, and its first {@code minExamples} train examples are
 * not fed to it: they are the new task being learned, its error falling fast, and a segment
 * shorter than that is no segment worth consolidating.
 */
public final class DriftDetector {

    /** The layout of its state section, {@code drift-<detector>}; a change bumps it (docs/state-format.md). */
    static final int STATE_VERSION = 1;

    /**
     * @param detection the detector, or none
     * @param delta ADWIN's confidence δ
     * @param minExamples train examples of a segment before the detector sees any
     */
    public record Settings(DriftDetection detection, double delta, int minExamples) {
        /** No detector: boundaries come from task ends only. */
        public static final Settings OFF = new Settings(DriftDetection.NONE, 0.1, 300);
    }

    private final Settings settings;
    /** Task → the number of its current segment, for tasks past their first segment. */
    private final Map<String, Integer> segments = new LinkedHashMap<>();
    private Adwin window;
    /** Train examples since the last boundary. */
    private long sinceBoundary;

    public DriftDetector(Settings settings) {
        this.settings = settings;
        this.window = enabled() ? new Adwin(settings.delta()) : null;
    }

    public boolean enabled() {
        return settings.detection() != DriftDetection.NONE;
    }

    /** The current segment of {@code task}: the task itself until the detector ends its first segment. */
    public String segment(String task) {
        Integer n = segments.get(task);
        return n == null ? task : task + "#" + n;
    }

    /**
     * One train example's prequential outcome, in stream order; true when it raises an alarm: the
     * current segment ends here.
     */
    public boolean observe(boolean error) {
        if (!enabled() || ++sinceBoundary <= settings.minExamples()) {
            return false;
        }
        double before = window.mean();
        return window.add(error ? 1 : 0) && window.mean() > before;
    }

    /** After an alarm: begins the next segment of {@code task} and returns its name. */
    public String nextSegment(String task) {
        int n = segments.getOrDefault(task, 1) + 1;
        segments.put(task, n);
        boundary();
        return task + "#" + n;
    }

    /** A boundary (a task end, or an alarm): the window starts afresh. */
    public void boundary() {
        if (enabled()) {
            window = new Adwin(settings.delta());
            sinceBoundary = 0;
        }
    }

    public Settings settings() {
        return settings;
    }

    /** Segment numbers past the first, by task. */
    public Map<String, Integer> segments() {
        return Map.copyOf(segments);
    }

    /** Train examples since the last boundary. */
    public long sinceBoundary() {
        return sinceBoundary;
    }

    Adwin window() {
        return window;
    }

    /** The name of its state section. */
    public String section() {
        return "drift-" + settings.detection().name().toLowerCase();
    }

    /**
     * Writes its state section (version 1: the segment number of each task past its first segment,
     * train examples since the last boundary, the ADWIN window); nothing without a detector.
     */
    public void writeState(Sections.Writer state) throws IOException {
        if (!enabled()) {
            return;
        }
        state.section(section(), STATE_VERSION, out -> {
            out.writeInt(segments.size());
            for (Map.Entry<String, Integer> e : segments.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue());
            }
            out.writeLong(sinceBoundary);
            window.write(out);
        });
    }

    /** Reads the section {@link #writeState} wrote; nothing without a detector. */
    public void readState(Sections.Reader state) throws IOException {
        if (!enabled()) {
            return;
        }
        state.section(section(), 1, STATE_VERSION, (in, version) -> {
            int n = in.readInt();
            if (n < 0 || n > 1 << 20) {
                throw new IOException("corrupt state: " + n + " segmented tasks");
            }
            Map<String, Integer> read = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String task = in.readUTF();
                int segment = in.readInt();
                if (segment < 2) {
                    throw new IOException("task " + task + " in segment " + segment + ": segments past the first start at 2, corrupt");
                }
                read.put(task, segment);
            }
            long since = in.readLong();
            Adwin w = new Adwin(settings.delta());
            w.read(in);
            segments.clear();
            segments.putAll(read);
            sinceBoundary = since;
            window = w;
        });
    }
}
