package io.salve.data;

import java.util.List;
import java.util.Objects;

/**
 * A labelled set of images held as raw 8-bit pixels, channel-first per image ({@code count x channels x height x
 * width}). Pixels stay bytes in memory (70,000 Fashion-MNIST images are 55 MB) and are normalised per batch.
 *
 * @param pixels     {@code count * channels * height * width} unsigned bytes
 * @param labels     class index per image, in {@code [0, classNames.size())}
 * @param classNames human-readable class names, index = label
 */
public record ImageSet(int count, int channels, int height, int width, byte[] pixels, int[] labels,
                       List<String> classNames) {

    public ImageSet {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        classNames = List.copyOf(classNames);
        if (count < 0 || channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("bad image set shape " + count + "x" + channels + "x" + height + "x" + width);
        }
        if ((long) count * channels * height * width != pixels.length) {
            throw new IllegalArgumentException("pixel buffer holds " + pixels.length + " bytes, expected "
                    + (long) count * channels * height * width);
        }
        if (labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
        }
        for (int label : labels) {
            if (label < 0 || label >= classNames.size()) {
                throw new IllegalArgumentException("label " + label + " outside the " + classNames.size() + " classes");
            }
        }
    }

    public int imageSize() {
        return channels * height * width;
    }

    public int numClasses() {
        return classNames.size();
    }

    /** The first {@code n} images (or all when {@code n >= count}); shares no state with this set. */
    public ImageSet head(int n) {
        if (n >= count) {
            return this;
        }
        byte[] p = new byte[n * imageSize()];
        System.arraycopy(pixels, 0, p, 0, p.length);
        int[] l = new int[n];
        System.arraycopy(labels, 0, l, 0, n);
        return new ImageSet(n, channels, height, width, p, l, classNames);
    }
}
