package io.engram.learn;

/** The learner of each model id; one learner per model, created on its first record. */
public interface LearnerRegistry {

    Learner forModel(String model);

    /** Every learner created so far, by model id. */
    java.util.Map<String, ? extends Learner> all();
}
