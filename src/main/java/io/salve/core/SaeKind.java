package io.salve.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
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

    /**
     * The kind's non-linearity on pre-activations ({@code N x d}) as a differentiable expression, the batch
     * counterpart of {@link Sae#activate}; {@code k} is used by TOPK only.
     */
    public NDArray activate(NDArray pre, int k) {
        return switch (this) {
            case LINEAR -> pre;
            case RELU -> Activation.relu(pre);
            case TOPK -> {
                // The k-th largest pre-activation per row is the cut; the mask carries no gradient.
                NDArray kth = pre.topK(k, 1, true, false).get(0).min(new int[] {1}, true);
                yield Activation.relu(pre).mul(pre.gte(kth).toType(DataType.FLOAT32, false));
            }
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
