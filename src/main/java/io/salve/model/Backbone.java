package io.salve.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.function.Function;

/**
 * What runs a bundle's backbone, built in ({@link Network}) or imported ({@link ImportedBackbone}): a normalised image
 * batch in, the penultimate activations (the head's input) out. Everything that needs activations — SAE data,
 * predictions, the service's replicas — goes through this. Not thread-safe: one instance per thread.
 */
public interface Backbone extends AutoCloseable {

    /**
     * @param images {@code count x C x H x W} floats, channel-first, normalised per the bundle's {@link InputSpec}
     * @return {@code count} rows of M activations
     */
    float[][] activations(float[] images, int count);

    /**
     * The feature maps Grad-FAM reads ({@code count x C x h x w}) as an array of {@code manager}, with how
     * {@link #activations} follow from them: their global average pool (CNNs, imported feature-map backbones), or a
     * built-in ViT's last block and CLS token. Gradients are taken from the map onwards, so the backbone itself need
     * not be differentiable up to it. Refused with {@code NOT_DIFFERENTIABLE} by a backbone that returns pooled
     * activations.
     */
    FeatureMaps featureMaps(NDManager manager, float[] images, int count);

    /**
     * The activations ({@code N x M}) of a normalised image batch made in {@link #manager()}, differentiable with
     * respect to the images: what activation maximisation follows back to the pixels. Refused with
     * {@code NOT_DIFFERENTIABLE} by an engine that gives no gradients (ONNX Runtime).
     */
    NDArray activations(NDArray images);

    /** Where the images given to {@link #activations(NDArray)} are made. */
    NDManager manager();

    @Override
    void close();

    /**
     * @param maps        N x C x h x w
     * @param activations from (a differentiable copy of) {@code maps} to the activations {@code a} (N x M), the rest
     *                    of the images' forward pass held fixed: a global average pool, or the ViT's last block run
     *                    with its CLS token as computed
     */
    record FeatureMaps(NDArray maps, Function<NDArray, NDArray> activations) {

        /** Maps whose global average pool is the activation. */
        public static FeatureMaps pooled(NDArray maps) {
            return new FeatureMaps(maps, FeatureMaps::globalAveragePool);
        }

        /** N x C x h x w to N x C, the spatial mean (PyTorch reduces over one axis at a time). */
        public static NDArray globalAveragePool(NDArray maps) {
            return maps.reshape(maps.getShape().get(0), maps.getShape().get(1), -1).mean(new int[] {2});
        }
    }

    /** {@code flat} ({@code count x M}, row-major) as {@code count} rows. */
    static float[][] rows(float[] flat, int count) {
        int m = flat.length / count;
        float[][] rows = new float[count][];
        for (int n = 0; n < count; n++) {
            rows[n] = Arrays.copyOfRange(flat, n * m, (n + 1) * m);
        }
        return rows;
    }
}
