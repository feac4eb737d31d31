/**
 * Learning stage: receives train examples, eval examples and task boundaries from ingest, in
 * stream order, per model ({@link io.engram.learn.Learner}). Until the network lands, a counting
 * learner stands in.
 */
package io.engram.learn;
