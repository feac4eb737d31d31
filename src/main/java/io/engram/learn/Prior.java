package io.engram.learn;

/**
 * A Laplace prior from earlier tasks: a quadratic penalty (λ/2)(θ − θ*)ᵀ Λ (θ − θ*) that every
 * training step of every method includes. Computed at a task boundary by the consolidation stage;
 * the network applies it in its own parameterisation.
 *
 * <p>Stability guard: a plain gradient step on a quadratic diverges when the step size times the
 * curvature exceeds 2. A step here takes the data gradient, then the penalty's part along the
 * curvature's eigendirections s: θ − θ* ← (θ − η∇CE − θ*)·max(0, 1 − η λ s). For η λ s < 1 this
 * is θ − η(∇CE + λ Λ (θ − θ*)) up to a second-order term η² λ s ∇CE; a large λ puts the weights
 * on the anchor and never past it, so no λ can make the model diverge.
 */
public sealed interface Prior permits Prior.Diagonal, Prior.Kronecker {

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
     * One layer's factors: eigenvectors as rows ({@code qA} (d_in+1)², {@code qG} d_out²) and
     * eigenvalues (damping included) {@code sA}, {@code sG}.
     */
    record Layer(int inputs, float[] qA, float[] sA, int outputs, float[] qG, float[] sG) {
    }
}
