package io.salve.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * What one input does to the SAE's features, compactly: its {@code k} strongest latents (by |z|, strongest first)
 * and its L0 (how many latents fire, by {@link SaeMetrics#firingThreshold}).
 */
public record LatentSummary(List<Latent> top, int l0) {

    public record Latent(int index, float value) {
    }

    public LatentSummary {
        top = List.copyOf(top);
    }

    public static LatentSummary of(float[] z, int k, double threshold) {
        List<Latent> top = new ArrayList<>();
        IntStream.range(0, z.length).boxed()
                .sorted(Comparator.comparingDouble((Integer l) -> -Math.abs(z[l])))
                .limit(k).forEach(l -> top.add(new Latent(l, z[l])));
        int l0 = 0;
        for (float v : z) {
            if (Math.abs(v) > threshold) {
                l0++;
            }
        }
        return new LatentSummary(top, l0);
    }
}
