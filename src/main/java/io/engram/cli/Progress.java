package io.engram.cli;

import java.util.Locale;

/** A one-line text progress bar. */
final class Progress {

    private static final int WIDTH = 30;

    private Progress() {
    }

    static String bar(String label, long done, long total, double perSecond, String extra) {
        int filled = total <= 0 ? 0 : (int) Math.min(WIDTH, WIDTH * done / total);
        return String.format(Locale.ROOT, "%-14s [%s%s] %6d/%-6d %8.0f/s %s", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
                done, total, perSecond, extra);
    }
}
