package io.engram.consolidate;

import io.engram.state.StateText;

/** A consolidator's prior as exact text: K-FAC factors per layer and anchor, or EWC's Fisher, anchors and curvature. */
public final class PriorText {

    private PriorText() {
    }

    public static String of(Consolidator consolidator) {
        StateText text = new StateText();
        if (consolidator instanceof Consolidators.Kfac kfac) {
            KroneckerLaplace laplace = kfac.laplace();
            text.line("method", "kfac").line("tasks", laplace.tasks());
            for (int l = 0; l < laplace.layers(); l++) {
                text.doubles("layer " + l + " A", laplace.a(l)).doubles("layer " + l + " G", laplace.g(l));
            }
            return (kfac.anchor() == null ? text.line("anchor", "none") : text.floats("anchor", kfac.anchor())).toString();
        }
        if (consolidator instanceof Consolidators.Ewc ewc) {
            text.line("method", ewc.section());
            if (ewc.fisher() == null) {
                return text.line("fisher", "none").toString();
            }
            return text.doubles("fisher", ewc.fisher()).doubles("fisher-weighted anchor", ewc.weightedAnchor())
                    .floats("anchor", ewc.anchor()).floats("curvature", ewc.curvature()).toString();
        }
        return text.line("method", consolidator.describe().get("method")).toString();
    }
}
