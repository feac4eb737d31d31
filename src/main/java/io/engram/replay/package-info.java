/**
 * Rehearsal stage: the bounded buffer of past train examples ({@link io.engram.replay.ReservoirBuffer})
 * that replay methods sample from. It hands slot indices to the learner; the examples stay in the
 * buffer's storage.
 */
package io.engram.replay;
