package io.engram.network;

import java.util.Locale;

/** Hidden-layer activations; each derivative is written in terms of the activation's output. */
public enum Activation {
    RELU {
        @Override
        float apply(float s) {
            return s > 0f ? s : 0f;
        }

        @Override
        float derivativeFromOutput(float a) {
            return a > 0f ? 1f : 0f;
        }
    },
    TANH {
        @Override
        float apply(float s) {
            return (float) Math.tanh(s);
        }

        @Override
        float derivativeFromOutput(float a) {
            return 1f - a * a;
        }
    },
    SIGMOID {
        @Override
        float apply(float s) {
            return (float) (1.0 / (1.0 + Math.exp(-s)));
        }

        @Override
        float derivativeFromOutput(float a) {
            return a * (1f - a);
        }
    };

    abstract float apply(float s);

    /** f'(s) given a = f(s). */
    abstract float derivativeFromOutput(float a);

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
