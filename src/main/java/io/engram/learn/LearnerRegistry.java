package io.engram.learn;

/** The learner of each model id; one learner per model, created on its first record. */
public interface LearnerRegistry {

    Learner forModel(String model);

    /** Forgets every learner (before a rollback to a checkpoint that does not know them). */
    default void clear() {
        throw new UnsupportedOperationException("this registry cannot forget its learners");
    }

    /** Every learner created so far, by model id. */
    java.util.Map<String, ? extends Learner> all();
}
