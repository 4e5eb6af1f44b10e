package io.salve.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

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
     * The last feature maps ({@code count x M x h x w}, whose spatial mean is {@link #activations}) as an array of
     * {@code manager}, for Grad-FAM: gradients are taken from the map onwards, so the backbone itself need not be
     * differentiable. Refused with {@code NOT_DIFFERENTIABLE} by a backbone that returns pooled activations.
     */
    NDArray featureMaps(NDManager manager, float[] images, int count);

    @Override
    void close();

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
