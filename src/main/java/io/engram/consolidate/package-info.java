/**
 * Consolidation stage: at each task boundary, the ended task's Fisher (Kronecker-factored
 * {@link io.engram.consolidate.KroneckerFactors}, or diagonal) is added to a Laplace prior
 * ({@link io.engram.consolidate.KroneckerLaplace}) that the learner's network then applies in
 * every step. Hands the learner a {@link io.engram.network.Prior}.
 */
package io.engram.consolidate;
