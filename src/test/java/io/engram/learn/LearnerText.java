package io.engram.learn;

import io.engram.consolidate.PriorText;
import io.engram.evaluate.EvaluationText;
import io.engram.replay.BufferText;
import io.engram.state.StateText;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A learner's state as exact text per state section (section name to text), read from the live
 * objects through their accessors, not from the bytes: a restored learner equals the original
 * when every text is equal.
 */
final class LearnerText {

    private LearnerText() {
    }

    static Map<String, String> of(ContinualLearner learner) {
        LearningCore core = learner.core();
        Map<String, String> texts = new LinkedHashMap<>();
        LearnerStatus status = learner.status();
        texts.put(ContinualLearner.SECTION, new StateText().strings("tasks", status.tasks())
                .ints("trained tasks", learner.trainedTasks().stream().mapToInt(Integer::intValue).sorted().toArray())
                .strings("ended tasks", status.endedTasks()).doubleMap("task loss", learner.taskLoss())
                .line("trained", status.trained()).line("kept", status.keptForEvaluation()).line("publishes", status.publishes())
                .line("train loss", StateText.bits(status.trainLoss()))
                .strings("pending triggers", learner.pendingTriggers()).line("pending count", learner.pendingCount()).toString());
        float[] parameters = new float[core.network().spec().parameterCount()];
        core.network().parameters(parameters);
        texts.put(LearningCore.NETWORK_SECTION, new StateText().line("spec", core.network().spec())
                .floats("parameters", parameters).toString());
        texts.put("replay", BufferText.of(core.buffer()));
        if (core.method() instanceof ExperienceReplay er) {
            texts.put(Minibatch.SECTION, minibatch(er.incoming(), core.network().spec().inputSize()));
        }
        texts.put(RecentWindow.SECTION, window(core.window(), core.network().spec().inputSize()));
        if (!"none".equals(core.consolidator().describe().get("method"))) {
            texts.put("prior-" + core.consolidator().describe().get("method"), PriorText.of(core.consolidator()));
        }
        texts.put("evaluation-sets", EvaluationText.sets(learner.evaluation()));
        texts.put("accuracy-matrix", EvaluationText.matrix(learner.evaluation()));
        texts.put("prequential", EvaluationText.prequential(learner.evaluation()));
        if (learner.drift().enabled()) {
            texts.put(learner.drift().section(), EvaluationText.drift(learner.drift()));
        }
        return texts;
    }

    private static String minibatch(Minibatch batch, int inputSize) {
        StateText text = new StateText().line("size", batch.size());
        for (int r = 0; r < batch.size(); r++) {
            text.line("row " + r + " label", batch.label(r)).line("row " + r + " task", batch.task(r))
                    .floats("row " + r + " x", batch.inputs(), batch.offset(r), batch.offset(r) + inputSize);
        }
        return text.toString();
    }

    private static String window(RecentWindow window, int inputSize) {
        StateText text = new StateText().line("size", window.size());
        for (int i = 0; i < window.size(); i++) {
            int offset = window.offsetInOrder(i);
            text.line("row " + i + " label", window.labelInOrder(i)).floats("row " + i + " x", window.inputs(), offset, offset + inputSize);
        }
        return text.toString();
    }
}
