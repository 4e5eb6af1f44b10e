package io.salve.core.validate;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.salve.core.Progress;
import io.salve.core.SalveException;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

/**
 * Activation maximisation: the input image that drives an SAE latent highest,
 *
 * <pre>
 *   max_x  z_l(x) - l2 * |x|^2 - tv * TV(x),     TV(x) = sum |x[r+1,c] - x[r,c]| + |x[r,c+1] - x[r,c]|
 * </pre>
 *
 * over images {@code x} in pixel units, by projected gradient ascent: each step moves {@code x} along the objective's
 * gradient (through the whole backbone) by a fixed root-mean-square amount, then clips it back onto the valid pixel
 * range [0, 1] so the result is an image the model could be shown. Steps proportional to the gradient, rather than
 * Adam's per-pixel normalised ones, keep its spatial structure. The start is a dim image with a little seeded noise.
 * Uses a DJL gradient collector: PyTorch allows one per process at a time.
 */
public final class ActivationMaximizer {

    /** Mean and spread of the starting pixels: dim, so that the search starts near the (dark) background. */
    private static final float START_LEVEL = 0.1f;
    private static final float START_NOISE = 0.02f;

    private ActivationMaximizer() {
    }

    /**
     * @param steps        gradient steps
     * @param learningRate root-mean-square pixel change per step
     * @param l2           weight of {@code |x|^2}
     * @param tv           weight of the total variation
     * @param seed         seeds the starting noise
     */
    public record Settings(int steps, float learningRate, float l2, float tv, long seed) {

        public Settings {
            if (steps < 1) {
                throw new SalveException("BAD_ARGUMENT", "steps must be at least 1, was " + steps);
            }
            if (!(learningRate > 0) || !(l2 >= 0) || !(tv >= 0) || !Float.isFinite(learningRate + l2 + tv)) {
                throw new SalveException("BAD_ARGUMENT", "need a finite learning rate > 0, l2 >= 0 and tv >= 0; got "
                        + learningRate + ", " + l2 + ", " + tv);
            }
        }
    }

    /**
     * @param image       the optimised image, {@code C x H x W} pixels in [0, 1], channel-first
     * @param latent      the target's value on {@code image}
     * @param startLatent the target's value on the starting noise
     */
    public record Result(float[] image, float latent, float startLatent) {
    }

    /**
     * @param imageShape (C, H, W) of one image
     * @param target     maps a {@code 1 x C x H x W} pixel image to the value to maximise (one element),
     *                   differentiably; it normalises the pixels the way the model expects
     * @param progress   receives "maximize" with steps done/total and the current value
     */
    public static Result maximize(NDManager manager, Shape imageShape, Function<NDArray, NDArray> target,
                                  Settings settings, Progress progress) {
        Shape batch = new Shape(1).addAll(imageShape);
        Random random = new Random(settings.seed());
        float[] pixels = new float[(int) imageShape.size()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = clamp(START_LEVEL + START_NOISE * (float) random.nextGaussian());
        }
        float startLatent = Float.NaN;
        for (int step = 0; step < settings.steps(); step++) {
            float latent;
            // A fresh leaf per step in its own scope: each step's graph is freed with it.
            try (NDManager scope = manager.newSubManager()) {
                NDArray x = scope.create(pixels, batch);
                x.setRequiresGradient(true);
                NDArray z;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    z = target.apply(x).sum();
                    collector.backward(penalty(x, settings).sub(z));
                }
                latent = z.getFloat();
                NDArray grad = x.getGradient();
                // Steps are normalised to a fixed RMS so the step size means the same for any latent's scale.
                NDArray rms = grad.square().mean().sqrt().add(Float.MIN_NORMAL);
                pixels = x.sub(grad.div(rms).mul(settings.learningRate())).clip(0f, 1f).toFloatArray();
            }
            if (step == 0) {
                startLatent = latent;
            }
            progress.update("maximize", step + 1, settings.steps(), String.format(Locale.ROOT, "z %.4f", latent));
        }
        try (NDManager scope = manager.newSubManager()) {
            float latent = target.apply(scope.create(pixels, batch)).sum().getFloat();
            return new Result(pixels, latent, startLatent);
        }
    }

    /** {@code l2 * |x|^2 + tv * TV(x)} over the last two (spatial) axes. */
    static NDArray penalty(NDArray x, Settings settings) {
        NDArray down = x.get(new NDIndex("..., 1:, :")).sub(x.get(new NDIndex("..., :-1, :"))).abs().sum();
        NDArray across = x.get(new NDIndex("..., :, 1:")).sub(x.get(new NDIndex("..., :, :-1"))).abs().sum();
        return x.square().sum().mul(settings.l2()).add(down.add(across).mul(settings.tv()));
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(1f, v));
    }
}
