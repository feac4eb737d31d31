package io.engram.config;

/** Consolidation at task boundaries; written in settings as {@code none}, {@code ewc}, {@code online-ewc}, {@code kfac}, {@code ncl}. */
public enum ConsolidationMethod {
    NONE,
    /** Diagonal Fisher per task (Kirkpatrick et al. 2017). */
    EWC,
    /** One decayed diagonal Fisher (Schwarz et al. 2018). */
    ONLINE_EWC,
    /** Kronecker-factored Laplace (Ritter, Botev and Barber 2018). */
    KFAC,
    /**
     * Natural Continual Learning (Kao et al. 2021): the same Kronecker prior as {@link #KFAC}, also
     * preconditioning every step.
     */
    NCL
}
