package io.salve.model;

import io.salve.core.SalveException;

/**
 * The shape of a Vision Transformer: square patches of {@code patch} pixels, {@code width}-d tokens, {@code depth}
 * pre-norm encoder blocks of {@code heads} attention heads and an MLP of {@code mlp} hidden units. Recorded in
 * bundle.json so that the backbone can be rebuilt.
 */
public record VitConfig(int patch, int width, int depth, int heads, int mlp) {

    /**
     * Sized for 1x28x28 images on two CPU cores: 16 patch tokens plus CLS. 4-pixel patches (49 tokens) train five
     * times slower here (about 70 img/s on one thread against 330).
     */
    public static final VitConfig DEFAULT = new VitConfig(7, 64, 4, 4, 128);

    public VitConfig {
        if (patch <= 0 || width <= 0 || depth <= 0 || heads <= 0 || mlp <= 0) {
            throw new SalveException("BAD_ARGUMENT", String.format(
                    "ViT sizes must be positive: patch %d, width %d, depth %d, heads %d, mlp %d", patch, width, depth, heads, mlp));
        }
        if (width % heads != 0) {
            throw new SalveException("BAD_ARGUMENT", "ViT width " + width + " is not a multiple of its " + heads + " heads");
        }
    }

    /** The patch grid must tile the image exactly and be square (the Grad-FAM grid and the positions assume it). */
    public void checkFits(long height, long width) {
        if (height != width || height % patch != 0) {
            throw new SalveException("BAD_ARGUMENT", "ViT patches of " + patch + " pixels do not tile " + height + "x"
                    + width + " images into a square grid: choose a --patch that divides " + height);
        }
    }
}
