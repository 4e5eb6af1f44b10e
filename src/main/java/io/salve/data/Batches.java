package io.salve.data;

import java.util.Objects;

/** Turns the raw bytes of an {@link ImageSet} into normalised float batches, and computes the statistics for it. */
public final class Batches {

    private Batches() { }

    /**
     * Images {@code [from, to)} as {@code (pixel / 255 - mean) / std}, channel-first and contiguous, i.e. the data
     * of a {@code (to - from) x channels x height x width} float32 tensor.
     */
    public static float[] normalised(ImageSet set, int from, int to, float mean, float std) {
        return normalised(set, from, to, new float[] {mean}, new float[] {std});
    }

    /**
     * The same with one mean and standard deviation per channel ({@code mean[c]}, {@code std[c]}), or one for all
     * channels (arrays of length 1).
     */
    public static float[] normalised(ImageSet set, int from, int to, float[] mean, float[] std) {
        Objects.checkFromToIndex(from, to, set.count());
        if (mean.length != std.length || (mean.length != 1 && mean.length != set.channels())) {
            throw new IllegalArgumentException("need one mean and std, or one per channel (" + set.channels()
                    + "), got " + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be positive, got " + s);
            }
        }
        int plane = set.height() * set.width();
        int offset = from * set.imageSize();
        float[] out = new float[(to - from) * set.imageSize()];
        byte[] pixels = set.pixels();
        for (int i = 0; i < out.length; i++) {
            int c = mean.length == 1 ? 0 : (i / plane) % mean.length;
            out[i] = ((pixels[offset + i] & 0xff) / 255f - mean[c]) / std[c];
        }
        return out;
    }

    /** {@code {mean, std}} of {@code pixel / 255} over every pixel of every channel (population std). */
    public static float[] meanStd(ImageSet set) {
        if (set.count() == 0) {
            throw new IllegalArgumentException("cannot compute statistics of an empty image set");
        }
        // Integer sums are exact; 55 M pixels of at most 255^2 stay far below Long.MAX_VALUE.
        long sum = 0;
        long sumSquares = 0;
        for (byte b : set.pixels()) {
            int p = b & 0xff;
            sum += p;
            sumSquares += p * p;
        }
        double n = set.pixels().length;
        double mean = sum / n / 255.0;
        double variance = sumSquares / n / (255.0 * 255.0) - mean * mean;
        return new float[] {(float) mean, (float) Math.sqrt(Math.max(variance, 0))};
    }
}
