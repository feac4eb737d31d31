package io.engram.learn;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Chooses the learner implementation of the service. */
@ApplicationScoped
public class Learners {

    @Produces
    @Singleton
    LearnerRegistry registry() {
        return new CountingLearners();
    }
}
