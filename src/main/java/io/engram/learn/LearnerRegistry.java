package io.engram.learn;

/** The learner of each model id; one learner per model, created on its first record. */
public interface LearnerRegistry {

    /**
     * The model's learner, created on first use.
     *
     * @throws ModelLimitException when the model is new and the instance holds its maximum of models
     */
    Learner forModel(String model);

    /** The model's learner for a checkpoint restore: created even beyond the model limit. */
    default Learner restore(String model) {
        return forModel(model);
    }

    /** Lets go of one model's learner (it is parked after an unexpected error). */
    default void remove(String model) {
        throw new UnsupportedOperationException("this registry cannot let go of a learner");
    }

    /** Forgets every learner (before a rollback to a checkpoint that does not know them). */
    default void clear() {
        throw new UnsupportedOperationException("this registry cannot forget its learners");
    }

    /** Every learner created so far, by model id. */
    java.util.Map<String, ? extends Learner> all();
}
