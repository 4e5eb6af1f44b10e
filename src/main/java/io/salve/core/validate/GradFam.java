package io.salve.core.validate;

import ai.djl.engine.Engine;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.salve.core.Sae;
import java.util.function.Function;

/**
 * Grad-FAM: Grad-CAM with an SAE latent as the target. For feature maps {@code F} (N x C x h x w) of the last
 * convolutional block (or a ViT's patch tokens as a grid) and latent {@code z_l = f(F)}:
 *
 * <pre>
 *   beta_c = mean_hw dz_l/dF_c            (per image)
 *   map    = | sum_c beta_c F_c |         (absolute value, not ReLU: LINEAR latents are signed)
 * </pre>
 *
 * then bilinearly upsampled to the input size and min-max normalised to [0, 1] per image. On the SALVE target layer
 * (global average pool, then a LINEAR SAE) {@code beta_c = E[l,c] / (inputScale * h * w)}, so the map is a CAM with
 * the encoder row as channel weights.
 *
 * <p>Uses a DJL gradient collector: PyTorch allows one per process at a time.
 */
public final class GradFam {

    private GradFam() {
    }

    /**
     * @param latents per image, {@code z_l} (the target's value)
     * @param raw     per image, the {@code h x w} map {@code |sum_c beta_c F_c|} before upsampling
     * @param maps    per image, the map upsampled to {@code height x width} and scaled to [0, 1]
     */
    public record Result(float[] latents, float[][][] raw, float[][][] maps) {
    }

    /**
     * z_l of the SALVE target layer as a function of the feature maps, given how the activation {@code a} the SAE
     * reads follows from them (a global average pool for a CNN).
     */
    public static Function<NDArray, NDArray> latent(Sae sae, int feature, Function<NDArray, NDArray> activations) {
        sae.checkFeature(feature);
        return maps -> sae.encode(activations.apply(maps)).get(new NDIndex(":, {}", feature));
    }

    /**
     * Grad-FAM maps of a batch. Intermediate arrays are attached to {@code featureMaps}' manager: run this in a
     * scope that is closed afterwards.
     *
     * @param featureMaps N x C x h x w, computed without gradient tracking (a copy becomes the autograd leaf)
     * @param latent      maps feature maps to z_l per image (length N), differentiably
     * @param height      input image height to upsample to
     * @param width       input image width
     */
    public static Result compute(NDArray featureMaps, Function<NDArray, NDArray> latent, int height, int width) {
        Shape shape = featureMaps.getShape();
        if (shape.dimension() != 4) {
            throw new IllegalArgumentException("feature maps must be N x C x h x w, got " + shape);
        }
        long n = shape.get(0);
        NDArray maps = featureMaps.duplicate();
        maps.setRequiresGradient(true);
        float[] z;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray target = latent.apply(maps);
            z = target.toFloatArray();
            // Images do not interact, so one backward of the sum gives every image's own gradient.
            collector.backward(target.sum());
        }
        NDArray beta = spatial(maps.getGradient()).mean(new int[] {2}, true);
        NDArray raw = spatial(maps).mul(beta).sum(new int[] {1}).abs().reshape(n, shape.get(2), shape.get(3));
        NDArray upsampled = NDImageUtils.resize(raw.expandDims(3), width, height, Image.Interpolation.BILINEAR)
                .reshape(n, -1);
        NDArray min = upsampled.min(new int[] {1}, true);
        NDArray range = upsampled.max(new int[] {1}, true).sub(min).maximum(Float.MIN_NORMAL);
        NDArray normalised = upsampled.sub(min).div(range).reshape(n, height, width);
        return new Result(z, toImages(raw), toImages(normalised));
    }

    /** N x C x h x w as N x C x (h w): PyTorch reduces over one axis at a time. */
    private static NDArray spatial(NDArray maps) {
        return maps.reshape(maps.getShape().get(0), maps.getShape().get(1), -1);
    }

    /** (row, column) of a map's largest value, the first one on ties. */
    public static int[] peak(float[][] map) {
        int[] best = {0, 0};
        for (int r = 0; r < map.length; r++) {
            for (int c = 0; c < map[r].length; c++) {
                if (map[r][c] > map[best[0]][best[1]]) {
                    best = new int[] {r, c};
                }
            }
        }
        return best;
    }

    private static float[][][] toImages(NDArray array) {
        int n = (int) array.getShape().get(0);
        int h = (int) array.getShape().get(1);
        int w = (int) array.getShape().get(2);
        float[] flat = array.toFloatArray();
        float[][][] out = new float[n][h][w];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(flat, (i * h + r) * w, out[i][r], 0, w);
            }
        }
        return out;
    }
}
