package io.salve.core.diagnose;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.edit.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A toy world for sweeps: class c's activations are dominated by SAE feature c (post-ReLU, so non-negative), the SAE
 * is LINEAR with encoder D^T, and the head is the nearest-centroid classifier (w_c = mu_c, b_c = -|mu_c|^2 / 2).
 */
final class Synthetic {

    static final int CLASSES = 4;
    static final int DIM = 24;
    static final int LATENTS = 8;
    static final float SCALE = 1.7f;

    final Sae sae;
    final Head head;

    Synthetic(long seed) {
        Random rng = new Random(seed);
        float[][] decoder = Fixtures.randomSae(rng, SaeKind.LINEAR, DIM, LATENTS).decoder();
        float[][] encoder = new float[LATENTS][DIM];
        float[] encoderBias = new float[LATENTS];
        for (int l = 0; l < LATENTS; l++) {
            for (int j = 0; j < DIM; j++) {
                encoder[l][j] = decoder[j][l];
            }
            encoderBias[l] = (float) (0.1 * rng.nextGaussian());
        }
        sae = new Sae(SaeKind.LINEAR, encoder, encoderBias, decoder, new float[DIM], SCALE, 0);
        Data fit = sample(rng, 400, false);
        float[][] w = new float[CLASSES][DIM];
        float[] b = new float[CLASSES];
        int[] count = new int[CLASSES];
        for (int n = 0; n < fit.acts.length; n++) {
            count[fit.labels[n]]++;
            for (int j = 0; j < DIM; j++) {
                w[fit.labels[n]][j] += fit.acts[n][j];
            }
        }
        for (int c = 0; c < CLASSES; c++) {
            double sq = 0;
            for (int j = 0; j < DIM; j++) {
                w[c][j] /= count[c];
                sq += w[c][j] * w[c][j];
            }
            b[c] = (float) (-sq / 2);
        }
        head = new Head(w, b);
    }

    record Data(float[][] acts, int[] labels) {
    }

    /** {@code n} labelled activations, balanced over classes; only those the unedited head gets right if asked. */
    Data sample(Random rng, int n, boolean onlyCorrect) {
        List<float[]> acts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        while (acts.size() < n) {
            int c = acts.size() % CLASSES;
            double[] code = new double[LATENTS];
            for (int l = 0; l < LATENTS; l++) {
                code[l] = Math.abs(0.5 * rng.nextGaussian());
            }
            code[c] += 2.5 + 0.6 * rng.nextGaussian();
            float[] a = new float[DIM];
            for (int j = 0; j < DIM; j++) {
                double x = 0.4 * rng.nextGaussian();
                for (int l = 0; l < LATENTS; l++) {
                    x += sae.decoder()[j][l] * code[l];
                }
                a[j] = (float) Math.max(0, SCALE * x);
            }
            if (!onlyCorrect || head.predict(a) == c) {
                acts.add(a);
                labels.add(c);
            }
        }
        return new Data(acts.toArray(float[][]::new), labels.stream().mapToInt(Integer::intValue).toArray());
    }
}
