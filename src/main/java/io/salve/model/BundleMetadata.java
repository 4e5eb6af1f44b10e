package io.salve.model;

import java.util.List;

/**
 * What a bundle's {@code bundle.json} says about its model: enough to rebuild the backbone, normalise inputs the way
 * it was trained and name its classes.
 *
 * @param inputShape   (channels, height, width) of one image
 * @param mean         pixel mean (of pixel/255) subtracted before the backbone
 * @param std          pixel standard deviation divided out before the backbone
 * @param targetLayer  where the SAE reads activations, the penultimate vector fed to the head ("global-avg-pool",
 *                     or "cls-token" for a ViT: its CLS token after the final norm)
 * @param featureDim   M, the width of that activation
 * @param engine       the DJL engine that runs the backbone
 * @param training     how the backbone was trained (data set, its directory and how many training images were used
 *                     (0 = all), epochs, batch size, seed, learning rate, seconds)
 * @param vit          a ViT's shape; null for the CNNs
 */
public record BundleMetadata(int formatVersion, String architecture, List<Integer> inputShape, float mean, float std,
                             List<String> classNames, String targetLayer, int featureDim, String engine,
                             Training training, VitConfig vit) {

    public static final int FORMAT_VERSION = 1;

    public BundleMetadata {
        inputShape = List.copyOf(inputShape);
        classNames = List.copyOf(classNames);
    }

    /** How the backbone was trained; recorded so that runs can be compared (e.g. the batch-size experiment). */
    public record Training(String dataset, String dataDir, int limit, int epochs, int batchSize, long seed, float learningRate, double seconds) {
    }
}
