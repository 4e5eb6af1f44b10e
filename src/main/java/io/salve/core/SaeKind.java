package io.salve.core;

import java.util.Locale;

/** The sparse autoencoder families SALVE can train. */
public enum SaeKind {
    /** The paper's autoencoder: two linear layers, no activation, L1 on the (signed) latents. */
    LINEAR,
    /** The common ReLU SAE with an L1 penalty. */
    RELU,
    /** Keeps the k largest (ReLU) latents per input. */
    TOPK;

    public static SaeKind parse(String name) {
        for (SaeKind kind : values()) {
            if (kind.name().equalsIgnoreCase(name)) {
                return kind;
            }
        }
        throw new SalveException("UNKNOWN_SAE_KIND", "unknown SAE kind '" + name + "' (expected linear, relu or topk)");
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
