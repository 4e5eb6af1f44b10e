package io.salve.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.util.List;

/**
 * What a bundle's {@code bundle.json} says about its model: enough to rebuild the backbone, normalise inputs the way
 * it was trained and name its classes.
 *
 * @param architecture a built-in {@link Architecture} id, or {@link #IMPORTED} (then {@code imported} says what)
 * @param inputShape   (channels, height, width) of one image
 * @param mean         pixel mean (of pixel/255) subtracted before the backbone: one value for every channel, or one
 *                     per channel (older bundles hold a single number, read as a one-element list)
 * @param std          pixel standard deviation divided out before the backbone, like {@code mean}
 * @param resize       how images of another size become {@code inputShape}: squash or shorter-side-crop (null, as in
 *                     older bundles: squash)
 * @param targetLayer  where the SAE reads activations, the penultimate vector fed to the head ("global-avg-pool",
 *                     or "cls-token" for a ViT: its CLS token after the final norm)
 * @param featureDim   M, the width of that activation
 * @param engine       the DJL engine that runs the backbone
 * @param training     how the backbone was trained (data set, its directory and how many training images were used
 *                     (0 = all), epochs, batch size, seed, learning rate, seconds); null for an imported backbone
 * @param imported     the backbone file of a bundle made by {@code salve import}; null for a built-in backbone
 * @param vit          a built-in ViT's shape; null for the CNNs, imported backbones and older bundles
 */
public record BundleMetadata(int formatVersion, String architecture, List<Integer> inputShape,
                             @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<Float> mean,
                             @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<Float> std,
                             String resize, List<String> classNames, String targetLayer, int featureDim, String engine,
                             Training training, Imported imported, VitConfig vit) {

    public static final int FORMAT_VERSION = 1;
    public static final String TARGET_LAYER = "global-avg-pool";
    public static final String IMPORTED = "imported";

    public BundleMetadata {
        inputShape = List.copyOf(inputShape);
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        classNames = List.copyOf(classNames);
    }

    /**
     * How the backbone was trained; recorded so that runs can be compared (e.g. the batch-size experiment). Bundles
     * written before warm-up and weight decay existed read them as 0 (none).
     */
    public record Training(String dataset, String dataDir, int limit, int epochs, int batchSize, long seed, float learningRate,
                           float warmupEpochs, float weightDecay, double seconds) {
    }

    /**
     * An imported backbone.
     *
     * @param format   torchscript or onnx
     * @param file     its file inside the bundle
     * @param output   pooled (N x M) or featuremap (N x M x h x w, pooled by global average)
     * @param source    the file it was imported from
     * @param fullModel the bundle's copy of the full TorchScript model the head was read from (null if from .npz)
     * @param headLayer that model's head layer (its {@code weight} and {@code bias}), or null
     */
    public record Imported(String format, String file, String output, String source, String fullModel,
                           String headLayer) {
    }
}
