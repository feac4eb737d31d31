package io.engram.consolidate;

import io.engram.config.LabelMode;
import io.engram.config.ConsolidationMethod;
import io.engram.network.MlpSpec;
import io.engram.network.Network;
import io.engram.network.Prior;
import io.engram.state.Binary;
import io.engram.state.Sections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** The consolidation methods: none, diagonal EWC, online EWC, K-FAC, NCL. */
public final class Consolidators {

    private Consolidators() {
    }

    /** Settings of consolidation, with defaults resolved. */
    public record Settings(ConsolidationMethod method, double lambda, double damping, double decay, LabelMode labels,
            int samples, long seed, int everyExamples) {

        /** Consolidation at task ends only ({@code everyExamples} 0). */
        public Settings(ConsolidationMethod method, double lambda, double damping, double decay, LabelMode labels, int samples,
                long seed) {
            this(method, lambda, damping, decay, labels, samples, seed, 0);
        }
    }

    /**
     * λ when none is set, validated on rotated Fashion-MNIST streams of their own (30° steps, seed
     * 2, 5 tasks of 500, 1,000 and 2,000 examples; BENCHMARKS.md) and reported on held-out ones
     * (36° steps, seeds 1, 3, 4): K-FAC 10 on online SGD and ER (best mean ACC over the three task
     * lengths; the best λ did not grow with the task length, so it is not scaled by it), 1 under MER
     * (MER takes s·k penalised steps per example; 1 tied 0.3 on ACC with half the forgetting), EWC
     * and online EWC 1,000. The factors and the diagonal Fisher are expectations over examples, not
     * sums.
     */
    public static double defaultLambda(ConsolidationMethod method, io.engram.config.LearnerMethod learner) {
        return switch (method) {
            case NONE -> 0;
            case EWC, ONLINE_EWC -> 1_000;
            case KFAC -> learner == io.engram.config.LearnerMethod.MER ? 1 : 10;
            case NCL -> NCL_LAMBDA;
        };
    }

    /** {@link #defaultLambda(ConsolidationMethod, io.engram.config.LearnerMethod)} for one-step-per-example learners. */
    public static double defaultLambda(ConsolidationMethod method) {
        return defaultLambda(method, io.engram.config.LearnerMethod.ONLINE);
    }

    /**
     * NCL's λ when none is set. Its fixed point is the K-FAC penalty's, but its step in a direction
     * of prior curvature c is δ / (λ c + δ) of SGD's: λ / δ sets how far the prior's directions are
     * slowed, δ how hard they are pulled back. Validated with {@link #NCL_DAMPING} on the K-FAC
     * defaults' validation streams (rotated 30°, seed 2, online SGD; BENCHMARKS.md), the same λ
     * for every learner: not validated under MER.
     */
    static final double NCL_LAMBDA = 100;

    /**
     * The damping δ when none is set: 0.001 for the K-FAC factors' Tikhonov damping; NCL's
     * preconditioner (λ Λ + δ I)⁻¹ 0.1 (validated with its λ, BENCHMARKS.md: its step depends on λ / δ, and a
     * larger δ at the same ratio pulls harder to the anchor).
     */
    public static double defaultDamping(ConsolidationMethod method) {
        return method == ConsolidationMethod.NCL ? NCL_DAMPING : 0.001;
    }

    static final double NCL_DAMPING = 0.1;

    public static Consolidator create(MlpSpec spec, Settings settings) {
        return switch (settings.method()) {
            case NONE -> new None();
            case KFAC, NCL -> new Kfac(spec, settings);
            case EWC, ONLINE_EWC -> new Ewc(spec, settings);
        };
    }

    private static final class None implements Consolidator {
        @Override
        public Report consolidate(Network network, Samples samples) {
            return new Report(0, 0, new long[0]);
        }

        @Override
        public void writeState(Sections.Writer state) {
        }

        @Override
        public void readState(Sections.Reader state, Network network, float[] effective) {
            network.setParameters(effective);
        }

        @Override
        public Map<String, Object> describe() {
            return Map.of("method", "none");
        }
    }

    /**
     * K-FAC (the Kronecker prior as a penalty) and NCL (the same prior, undamped, also as the step's
     * preconditioner with δ = the damping setting; {@link Prior.Natural}).
     */
    static final class Kfac implements Consolidator {
        /** The name of its state section; NCL's is {@link #NCL_SECTION}, of the same layout. */
        static final String SECTION = "prior-kfac";
        static final String NCL_SECTION = "prior-ncl";
        /**
         * The layout of its state section, {@link KroneckerLaplace#writeTo} then the anchor; a change
         * to either bumps it (docs/state-format.md).
         */
        static final int STATE_VERSION = 1;
        private final MlpSpec spec;
        private final Settings settings;
        private final KroneckerLaplace laplace;
        private final SplittableRandom random;
        private final boolean natural;
        private float[] anchor;

        private String section() {
            return natural ? NCL_SECTION : SECTION;
        }

        /** The prior the network applies: the damped penalty, or NCL's undamped prior with δ for the preconditioner. */
        private Prior prior() {
            Prior.Kronecker k = laplace.prior();
            return natural ? new Prior.Natural(k.lambda(), (float) settings.damping(), k.layers()) : k;
        }

        @Override
        public void writeState(Sections.Writer state) throws java.io.IOException {
            state.section(section(), STATE_VERSION, out -> {
                laplace.writeTo(out);
                out.writeBoolean(anchor != null);
                if (anchor != null) {
                    Binary.floats(out, anchor);
                }
            });
        }

        @Override
        public void readState(Sections.Reader state, Network network, float[] effective) throws java.io.IOException {
            state.section(section(), 1, STATE_VERSION, (in, version) -> {
                laplace.readFrom(in);
                anchor = in.readBoolean() ? Binary.floats(in) : null;
            });
            if (anchor != null && anchor.length != effective.length) {
                throw new java.io.IOException("checkpointed K-FAC anchor has " + anchor.length + " parameters, this network "
                        + effective.length + ": engram.model.* changed");
            }
            if (anchor != null && laplace.tasks() > 0) {
                // the prior anchors at the parameters it is set on: the anchor first, then the effective ones
                network.setPrior(null);
                network.setParameters(anchor);
                network.setPrior(prior());
            }
            network.setParameters(effective);
        }

        KroneckerLaplace laplace() {
            return laplace;
        }

        float[] anchor() {
            return anchor;
        }

        Kfac(MlpSpec spec, Settings settings) {
            this.spec = spec;
            this.settings = settings;
            this.natural = settings.method() == ConsolidationMethod.NCL;
            this.laplace = new KroneckerLaplace(settings.lambda(), natural ? 0 : settings.damping());
            this.random = new SplittableRandom(settings.seed());
        }

        @Override
        public Report consolidate(Network network, Samples samples) {
            long start = System.nanoTime();
            if (samples.count() == 0) {
                return new Report(0, 0, new long[0]);
            }
            float[] params = new float[spec.parameterCount()];
            network.parameters(params);
            laplace.add(KroneckerFactors.estimate(network.sibling(KroneckerFactors.CHUNK, params), samples, settings.labels(), random));
            network.setPrior(prior());
            anchor = params;
            long[] state = new long[spec.layers()];
            for (int l = 0; l < state.length; l++) {
                state[l] = laplace.stateFloats(l);
            }
            return new Report((System.nanoTime() - start) / 1e9, samples.count(), state);
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("method", natural ? "ncl" : "kfac");
            d.put("lambda", settings.lambda());
            d.put("damping", settings.damping());
            d.put("label_mode", settings.labels().name().toLowerCase());
            d.put("samples", settings.samples());
            d.put("prior", "one Kronecker pair per layer, trace-preserving sum over tasks");
            if (natural) {
                d.put("step", "preconditioned: η δ (λ Λ + δ I)⁻¹ (∇loss + λ Λ (θ − θ*)) in the factors' eigenbasis (Kao et al. 2021)");
            }
            return d;
        }
    }

    /** Diagonal EWC (Fishers summed, Fisher-weighted anchor) and online EWC (decayed sum, latest anchor). */
    static final class Ewc implements Consolidator {
        /** The layout of its state section (named after the method); a change bumps it (docs/state-format.md). */
        static final int STATE_VERSION = 1;
        private final MlpSpec spec;
        private final Settings settings;
        private final boolean online;
        private final SplittableRandom random;
        private double[] fisher;
        private double[] weightedAnchor;
        private float[] anchor;
        private float[] curvature;

        /** Its state section: "prior-ewc" or "prior-online-ewc", so one method's prior is never read as the other's. */
        String section() {
            return online ? "prior-online-ewc" : "prior-ewc";
        }

        @Override
        public void writeState(Sections.Writer state) throws java.io.IOException {
            state.section(section(), STATE_VERSION, out -> {
                out.writeBoolean(fisher != null);
                if (fisher != null) {
                    Binary.doubles(out, fisher);
                    Binary.doubles(out, weightedAnchor);
                    Binary.floats(out, anchor);
                    Binary.floats(out, curvature);
                }
            });
        }

        @Override
        public void readState(Sections.Reader state, Network network, float[] effective) throws java.io.IOException {
            state.section(section(), 1, STATE_VERSION, (in, version) -> {
                if (in.readBoolean()) {
                    double[] f = Binary.doubles(in);
                    double[] w = Binary.doubles(in);
                    float[] a = Binary.floats(in);
                    float[] c = Binary.floats(in);
                    int p = spec.parameterCount();
                    if (f.length != p || w.length != p || a.length != p || c.length != p) {
                        throw new java.io.IOException("checkpointed EWC prior has " + a.length + " parameters, this network "
                                + p + ": engram.model.* changed");
                    }
                    fisher = f;
                    weightedAnchor = w;
                    anchor = a;
                    curvature = c;
                } else {
                    fisher = null;
                    weightedAnchor = null;
                    anchor = null;
                    curvature = null;
                }
            });
            if (fisher != null) {
                network.setPrior(new Prior.Diagonal(anchor, curvature));
            }
            network.setParameters(effective);
        }

        double[] fisher() {
            return fisher;
        }

        double[] weightedAnchor() {
            return weightedAnchor;
        }

        float[] anchor() {
            return anchor;
        }

        float[] curvature() {
            return curvature;
        }

        Ewc(MlpSpec spec, Settings settings) {
            this.spec = spec;
            this.settings = settings;
            this.online = settings.method() == io.engram.config.ConsolidationMethod.ONLINE_EWC;
            this.random = new SplittableRandom(settings.seed());
        }

        @Override
        public Report consolidate(Network network, Samples samples) {
            long start = System.nanoTime();
            if (samples.count() == 0) {
                return new Report(0, 0, new long[0]);
            }
            int p = spec.parameterCount();
            float[] theta = new float[p];
            network.parameters(theta);
            double[] f = DiagonalFisher.estimate(network.sibling(1, theta), samples, settings.labels(), random);
            if (fisher == null) {
                fisher = new double[p];
                weightedAnchor = new double[p];
            }
            anchor = new float[p];
            curvature = new float[p];
            for (int i = 0; i < p; i++) {
                if (online) {
                    fisher[i] = settings.decay() * fisher[i] + f[i];
                    anchor[i] = theta[i];
                } else {
                    // Σ_t F_t (θ − θ*_t)² = F̄ (θ − θ̄*)² + const, θ̄* = Σ_t F_t θ*_t / F̄
                    fisher[i] += f[i];
                    weightedAnchor[i] += f[i] * theta[i];
                    anchor[i] = fisher[i] > 0 ? (float) (weightedAnchor[i] / fisher[i]) : theta[i];
                }
                curvature[i] = (float) (settings.lambda() * fisher[i]);
            }
            network.setPrior(new Prior.Diagonal(anchor, curvature));
            return new Report((System.nanoTime() - start) / 1e9, samples.count(), new long[] {2L * p});
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("method", online ? "online-ewc" : "ewc");
            d.put("lambda", settings.lambda());
            if (online) {
                d.put("decay", settings.decay());
            }
            d.put("label_mode", settings.labels().name().toLowerCase());
            d.put("samples", settings.samples());
            return d;
        }
    }
}
