package io.salve.core;

import java.util.ArrayList;
import java.util.List;

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
        // A k-slot insertion sort: this runs for every served request, so no boxing and no full sort of z.
        int size = Math.min(k, z.length);
        int[] index = new int[size];
        float[] magnitude = new float[size];
        int filled = 0;
        int l0 = 0;
        for (int l = 0; l < z.length; l++) {
            float m = Math.abs(z[l]);
            if (m > threshold) {
                l0++;
            }
            if (size == 0 || (filled == size && !(m > magnitude[size - 1]))) {
                continue;
            }
            // Strictly greater moves ahead, so equal magnitudes keep index order.
            int at = Math.min(filled, size - 1);
            while (at > 0 && m > magnitude[at - 1]) {
                index[at] = index[at - 1];
                magnitude[at] = magnitude[at - 1];
                at--;
            }
            index[at] = l;
            magnitude[at] = m;
            filled = Math.min(size, filled + 1);
        }
        List<Latent> top = new ArrayList<>(filled);
        for (int i = 0; i < filled; i++) {
            top.add(new Latent(index[i], z[index[i]]));
        }
        return new LatentSummary(top, l0);
    }
}
