package io.salve.core;

/**
 * How to train a sparse autoencoder.
 *
 * @param kind         the SAE family
 * @param latents      d, the number of latents (candidate features)
 * @param l1           lambda, the weight of the L1 penalty on the latents; inputs are scale-normalised (see
 *                     {@link Sae}), so the same lambda means the same across models. Usually 0 for TOPK.
 * @param k            latents kept per input by TOPK; must be 0 for the other kinds
 * @param epochs       passes over the activations
 * @param batchSize    inputs per optimizer step
 * @param learningRate Adam's step size
 * @param seed         seeds initialisation and shuffling
 */
public record SaeConfig(SaeKind kind, int latents, double l1, int k, int epochs, int batchSize, double learningRate,
                        long seed) {

    public static final int DEFAULT_BATCH_SIZE = 256;
    public static final double DEFAULT_LEARNING_RATE = 1e-3;

    public SaeConfig {
        if (kind == null) {
            throw bad("an SAE kind is required (linear, relu or topk)");
        }
        if (latents <= 0) {
            throw bad("latents must be positive, was " + latents);
        }
        if (!(l1 >= 0) || !Double.isFinite(l1)) {
            throw bad("l1 must be a finite number >= 0, was " + l1);
        }
        if (kind == SaeKind.TOPK && (k <= 0 || k > latents)) {
            throw bad("a topk SAE needs 0 < k <= latents (" + latents + "), was " + k);
        }
        if (kind != SaeKind.TOPK && k != 0) {
            throw bad("k only applies to topk SAEs; leave it out for " + kind.id());
        }
        if (epochs <= 0) {
            throw bad("epochs must be positive, was " + epochs);
        }
        if (batchSize <= 0) {
            throw bad("batch size must be positive, was " + batchSize);
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw bad("learning rate must be a finite number > 0, was " + learningRate);
        }
    }

    /** A config with the default batch size and learning rate. */
    public SaeConfig(SaeKind kind, int latents, double l1, int k, int epochs, long seed) {
        this(kind, latents, l1, k, epochs, DEFAULT_BATCH_SIZE, DEFAULT_LEARNING_RATE, seed);
    }

    private static SalveException bad(String message) {
        return new SalveException("BAD_ARGUMENT", message);
    }
}
