package io.salve.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Objects;

/**
 * A trained sparse autoencoder over penultimate activations {@code a} (length M) with {@code d} latents.
 *
 * <pre>
 *   x     = a / inputScale                       (scale normalisation, so that lambda means the same across models)
 *   z     = act(E x + b_e)                       (act: identity for LINEAR, ReLU for RELU, ReLU + top-k for TOPK)
 *   a_hat = inputScale * (D z + b_d)
 * </pre>
 *
 * {@code D} is {@code M x d} and its columns (feature directions) have unit L2 norm, so alpha values are comparable
 * between SAEs. Feature {@code l}'s decoded contribution to an activation is {@code inputScale * z_l * D[:,l]}.
 *
 * @param encoder     E, {@code d x M}
 * @param encoderBias b_e, length d
 * @param decoder     D, {@code M x d}
 * @param decoderBias b_d, length M
 * @param k           latents kept by TOPK (0 for the other kinds)
 */
public record Sae(SaeKind kind, float[][] encoder, float[] encoderBias, float[][] decoder, float[] decoderBias,
                  float inputScale, int k) {

    public Sae {
        Objects.requireNonNull(kind, "kind");
        int d = encoder.length;
        int m = decoder.length;
        if (d == 0 || m == 0 || encoderBias.length != d || decoderBias.length != m || encoder[0].length != m
                || decoder[0].length != d) {
            throw new IllegalArgumentException("inconsistent SAE shapes: E " + d + "x" + (d == 0 ? 0 : encoder[0].length)
                    + ", D " + m + "x" + (m == 0 ? 0 : decoder[0].length));
        }
        if (!(inputScale > 0) || !Float.isFinite(inputScale)) {
            throw new IllegalArgumentException("inputScale must be positive and finite, was " + inputScale);
        }
        if (kind == SaeKind.TOPK && (k <= 0 || k > d)) {
            throw new IllegalArgumentException("top-k SAE needs 0 < k <= " + d + ", was " + k);
        }
    }

    public int latents() {
        return encoder.length;
    }

    public int inputDim() {
        return decoder.length;
    }

    /** Feature {@code l}'s unit decoder direction {@code D[:,l]} (a copy). */
    public float[] direction(int l) {
        checkFeature(l);
        float[] col = new float[inputDim()];
        for (int j = 0; j < col.length; j++) {
            col[j] = decoder[j][l];
        }
        return col;
    }

    public void checkFeature(int l) {
        if (l < 0 || l >= latents()) {
            throw new IllegalArgumentException("unknown feature " + l + ": this SAE has features 0.." + (latents() - 1));
        }
    }

    /** Latents of one activation vector. */
    public float[] encode(float[] a) {
        if (a.length != inputDim()) {
            throw new IllegalArgumentException("activation has " + a.length + " dims, SAE expects " + inputDim());
        }
        float[] z = new float[latents()];
        for (int l = 0; l < z.length; l++) {
            // E acts on a / inputScale; the bias is not scaled.
            z[l] = (float) (Maths.dot(encoder[l], a) / inputScale + encoderBias[l]);
        }
        return activate(z);
    }

    /**
     * Latents of a batch of activations ({@code N x M}) as a differentiable expression, so gradients can flow from a
     * latent back into the backbone; the same numbers as {@link #encode(float[])}.
     */
    public NDArray encode(NDArray activations) {
        NDManager manager = activations.getManager();
        NDArray pre = activations.div(inputScale).matMul(manager.create(encoder).transpose())
                .add(manager.create(encoderBias));
        return kind.activate(pre, k);
    }

    /** Applies the kind's non-linearity in place to pre-activations and returns them. */
    public float[] activate(float[] pre) {
        switch (kind) {
            case LINEAR -> {
                return pre;
            }
            case RELU -> {
                for (int i = 0; i < pre.length; i++) {
                    pre[i] = Math.max(0f, pre[i]);
                }
                return pre;
            }
            case TOPK -> {
                float threshold = kthLargest(pre, k);
                int kept = 0;
                for (int i = 0; i < pre.length; i++) {
                    if (pre[i] >= threshold && kept < k && pre[i] > 0) {
                        kept++;
                    } else {
                        pre[i] = 0f;
                    }
                }
                return pre;
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    /** Reconstruction {@code a_hat} of one activation vector from its latents. */
    public float[] decode(float[] z) {
        float[] out = new float[inputDim()];
        for (int j = 0; j < out.length; j++) {
            double s = decoderBias[j];
            float[] row = decoder[j];
            for (int l = 0; l < row.length; l++) {
                s += (double) row[l] * z[l];
            }
            out[j] = (float) (s * inputScale);
        }
        return out;
    }

    private static float kthLargest(float[] v, int k) {
        float[] sorted = v.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length - k];
    }
}
