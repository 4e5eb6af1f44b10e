package io.salve.model;

import io.salve.core.SalveException;

/**
 * How to train a backbone. The batch size is first-class: the SALVE paper's summary reports that small batches (8-16)
 * give more disentangled features, so runs at several batch sizes are meant to be compared.
 *
 * @param learningRate Adam's peak rate, decayed to 1% of it by a cosine schedule over the run
 * @param flip         random horizontal flips (clothes stay clothes when mirrored)
 * @param vit          the shape of a ViT ({@code architecture} VIT); the CNNs ignore it
 * @param warmupEpochs epochs over which the rate rises linearly from 0 to its peak before the cosine decay (the
 *                     usual transformer recipe: attention is unstable under a full rate from random weights)
 * @param weightDecay  decoupled weight decay (AdamW) when positive, plain Adam at 0
 */
public record TrainConfig(Architecture architecture, int epochs, int batchSize, float learningRate, long seed,
                          boolean flip, VitConfig vit, float warmupEpochs, float weightDecay) {

    /** A ViT, if any, of the default shape; no warm-up, plain Adam. */
    public TrainConfig(Architecture architecture, int epochs, int batchSize, float learningRate, long seed, boolean flip) {
        this(architecture, epochs, batchSize, learningRate, seed, flip, VitConfig.DEFAULT, 0, 0);
    }

    public TrainConfig {
        if (epochs <= 0) {
            throw new SalveException("BAD_ARGUMENT", "epochs must be positive, was " + epochs);
        }
        if (batchSize <= 0) {
            throw new SalveException("BAD_ARGUMENT", "batch size must be positive, was " + batchSize);
        }
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new SalveException("BAD_ARGUMENT", "learning rate must be positive and finite, was " + learningRate);
        }
        if (!(warmupEpochs >= 0) || warmupEpochs >= epochs) {
            throw new SalveException("BAD_ARGUMENT", "warm-up must be at least 0 and shorter than the " + epochs
                    + " epochs, was " + warmupEpochs);
        }
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new SalveException("BAD_ARGUMENT", "weight decay must be at least 0 and finite, was " + weightDecay);
        }
    }
}
