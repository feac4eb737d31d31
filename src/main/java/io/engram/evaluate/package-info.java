/**
 * Evaluation stage: the accuracy matrix R and the forgetting figures computed from it
 * ({@link io.engram.evaluate.AccuracyMatrix}), each published with its formula.
 */
package io.engram.evaluate;
