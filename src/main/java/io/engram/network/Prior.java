package io.engram.network;

/**
 * A Laplace prior from earlier tasks: a quadratic penalty (λ/2)(θ − θ*)ᵀ Λ (θ − θ*) that every
 * training step of every method includes. Computed at a task boundary by the consolidation stage;
 * the network applies it in its own parameterisation.
 *
 * <p>The penalty's step is proximal (implicit): after the data gradient's step, along each of the
 * curvature's eigendirections (coordinate v of θ − θ* in that basis, curvature s) it solves
 * v ← argmin_u (λ s / 2) u² + |u − v|² / (2η), that is v ← v / (1 + η λ s). Its fixed point is
 * exactly the penalty's, ∇CE = −λ Λ (θ − θ*), for every step size; no λ can make it diverge; to
 * first order in η it is θ − η(∇CE + λ Λ (θ − θ*)); and λ = 0 leaves the data step alone.
 *
 * <p>A prior is data; a network applies it through the {@link PriorStep} hook, whose
 * implementation (the math, once for both networks) is in the consolidation stage.
 */
public sealed interface Prior permits Prior.Diagonal, Prior.Kronecker, Prior.Natural {

    /**
     * Diagonal EWC: Λ = diag(F). {@code curvature[i]} = λ F_i; {@code anchor} = θ*.
     */
    record Diagonal(float[] anchor, float[] curvature) implements Prior {
    }

    /**
     * K-FAC: per dense layer, Λ_l = A_l ⊗ G_l (damped), kept as eigendecompositions so that the
     * penalty is diagonal in the rotated coordinates Ṽ = Q_Gᵀ (W̄ − W̄*) Q_A, W̄ = [W | b] of shape
     * d_out × (d_in + 1). The anchor W̄* is the network's parameters when the prior is set.
     *
     * @param layers one entry per layer, or null for a layer left unpenalised
     */
    record Kronecker(float lambda, Layer[] layers) implements Prior {
    }

    /**
     * Natural Continual Learning (Kao et al. 2021): the same Kronecker prior, without damping in
     * its eigenvalues, used to precondition the step as well as to pull to the anchor. In the
     * factors' eigenbasis (coordinates v of W̄ − W̄*, gradient g̃ = Q_Gᵀ ∇ Q_A, prior curvature
     * c = λ s_G s_A) each step is the paper's v ← v − γ (c + δ)⁻¹ (g̃ + c v), with γ = η δ so
     * that a direction the prior does not constrain takes the plain SGD step.
     *
     * @param damping δ, the preconditioner's isotropic term
     */
    record Natural(float lambda, float damping, Layer[] layers) implements Prior {
    }

    /**
     * One layer's factors: eigenvectors as rows ({@code qA} (d_in+1)², {@code qG} d_out²) and
     * eigenvalues (damping included) {@code sA}, {@code sG}.
     */
    record Layer(int inputs, float[] qA, float[] sA, int outputs, float[] qG, float[] sG) {
    }
}
