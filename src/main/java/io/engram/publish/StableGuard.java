package io.engram.publish;

import io.engram.evaluate.MetricsEvent;

/**
 * Whether a version may become {@code stable}: its ACC, measured on the tasks' evaluation sets, at
 * least {@code minAcc} (a positive setting) and its forgetting at most {@code maxForgetting}
 * (forgetting is undefined, so no obstacle, after one task). Prequential accuracy never stands in:
 * a model without evaluated tasks, or one that went wrong on them, is not promoted.
 */
public record StableGuard(double minAcc, double maxForgetting) {

    public boolean passes(MetricsEvent metrics) {
        Double acc = metrics.figures().get("acc");
        if (acc == null || acc.isNaN() || acc < minAcc) {
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
