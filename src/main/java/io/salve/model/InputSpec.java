package io.salve.model;

import io.salve.core.SalveException;
import io.salve.data.Batches;
import io.salve.data.ImageFolder;
import io.salve.data.ImageSet;
import io.salve.data.Resize;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a bundle's backbone takes: {@code channels x height x width} images, resized by {@code resize} and normalised
 * per channel as {@code (pixel / 255 - mean[c]) / std[c]}. Every path into a backbone (training data, SAE
 * activations, served images) prepares images through this one value.
 */
public record InputSpec(int channels, int height, int width, float[] mean, float[] std, Resize resize) {

    public InputSpec {
        Objects.requireNonNull(resize, "resize");
        mean = perChannel("mean", mean, channels);
        std = perChannel("std", std, channels);
        for (float s : std) {
            if (!(s > 0)) {
                throw new SalveException("BAD_NORMALISATION", "std must be positive, got " + s);
            }
        }
    }

    public static InputSpec of(BundleMetadata m) {
        List<Integer> shape = m.inputShape();
        return new InputSpec(shape.get(0), shape.get(1), shape.get(2), floats(m.mean()), floats(m.std()),
                m.resize() == null ? Resize.SQUASH : Resize.parse(m.resize()));
    }

    public int imageSize() {
        return channels * height * width;
    }

    /** A decoded image (any size, grey or colour) as this spec's channel-first bytes, before normalisation. */
    public byte[] pixels(BufferedImage image) {
        return ImageFolder.pixels(image, channels, height, width, resize);
    }

    /** {@code set} in this spec's shape (converted and resized if it has another). */
    public ImageSet conform(ImageSet set) {
        return ImageFolder.convert(set, channels, height, width, resize);
    }

    /** Images {@code [from, to)} of a set of this shape, normalised: the data of a {@code (to - from) x C x H x W} tensor. */
    public float[] normalise(ImageSet set, int from, int to) {
        return Batches.normalised(set, from, to, mean, std);
    }

    /** One image of {@code pixel / 255} values (channel-first), normalised into {@code out} at {@code offset}. */
    public void normalise(float[] unitPixels, float[] out, int offset) {
        for (int i = 0; i < unitPixels.length; i++) {
            out[offset + i] = normalise(unitPixels[i], i);
        }
    }

    /** {@code index} runs over whole images: its channel is {@code index / (H W) mod C}. */
    private float normalise(float unit, int index) {
        int c = (index / (height * width)) % channels;
        return (unit - mean[c]) / std[c];
    }

    private static float[] perChannel(String name, float[] values, int channels) {
        if (values.length == channels) {
            return values.clone();
        }
        if (values.length == 1) {
            float[] all = new float[channels];
            Arrays.fill(all, values[0]);
            return all;
        }
        throw new SalveException("BAD_NORMALISATION", name + " needs one value or one per channel (" + channels
                + "), got " + values.length);
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
