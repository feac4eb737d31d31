package io.engram.support;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading one series out of a Prometheus text exposition. */
public final class Prometheus {

    private Prometheus() {
    }

    /** The value of {@code series} (name and labels exactly as exposed, e.g. {@code a_total{x="y"}}). */
    public static double value(String exposition, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " ([0-9.eE+-]+|NaN)$", Pattern.MULTILINE).matcher(exposition);
        if (!m.find()) {
            throw new AssertionError("no series " + series + " in /q/metrics; engram lines: "
                    + Arrays.stream(exposition.split("\n")).filter(l -> l.startsWith("engram_")).toList());
        }
        return Double.parseDouble(m.group(1));
    }
}
