package io.engram.publish;

import io.engram.evaluate.MetricsEvent;

/**
 * Whether a version may become {@code stable}: its ACC (prequential accuracy when no task has an
 * evaluation set) at least {@code minAcc} and its forgetting at most {@code maxForgetting}
 * (forgetting is undefined, so no obstacle, after one task). Without any accuracy figure a version
 * is not promoted.
 */
public record StableGuard(double minAcc, double maxForgetting) {

    public boolean passes(MetricsEvent metrics) {
        Double acc = metrics.figures().get("acc");
        if (acc == null) {
            acc = metrics.prequentialAccuracy();
        }
        if (acc == null || acc < minAcc) {
            return false;
        }
        Double forgetting = metrics.figures().get("forgetting");
        return forgetting == null || forgetting <= maxForgetting;
    }

    /** Why a version was or was not promoted, for logs. */
    public String explain(MetricsEvent metrics) {
        return "ACC " + metrics.figures().get("acc") + " (min " + minAcc + "), forgetting " + metrics.figures().get("forgetting")
                + " (max " + maxForgetting + ")";
    }
}
