package io.relaxsd.layers;

/** What a stochastic layer outputs at inference time (training mode always samples). */
public enum InferenceMode {
    /** The most probable outcome: one-hot arg-max per group (categorical), 1[p &gt; ½] (Bernoulli). */
    ARGMAX,
    /** The probabilities: softmax per group (categorical), σ(θ) (Bernoulli). */
    PROBABILITIES
}
