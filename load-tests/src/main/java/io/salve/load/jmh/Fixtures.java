package io.salve.load.jmh;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import java.util.Random;

/**
 * Seeded random heads, SAEs and activations of the served shapes (demo CNN: 128-d activations, 64 latents, 10
 * classes; ResNet-18: 512-d), so the benchmarks need no bundle. The arithmetic does not depend on the values.
 */
final class Fixtures {

    static final int CLASSES = 10;
    static final int LATENTS = 64;
    static final int BATCH = 32;

    private Fixtures() {
    }

    static Sae sae(int dim, long seed) {
        Random r = new Random(seed);
        float[][] decoder = matrix(r, dim, LATENTS);
        // Unit decoder columns, as training leaves them.
        for (int l = 0; l < LATENTS; l++) {
            double norm = 0;
            for (float[] row : decoder) {
                norm += row[l] * row[l];
            }
            for (float[] row : decoder) {
                row[l] /= (float) Math.sqrt(norm);
            }
        }
        return new Sae(SaeKind.LINEAR, matrix(r, LATENTS, dim), vector(r, LATENTS), decoder, vector(r, dim), 1.7f, 0);
    }

    static Head head(int dim, long seed) {
        Random r = new Random(seed);
        return new Head(matrix(r, CLASSES, dim), vector(r, CLASSES));
    }

    /** Post-ReLU-like activations: non-negative. */
    static float[][] activations(int n, int dim, long seed) {
        Random r = new Random(seed);
        float[][] a = new float[n][dim];
        for (float[] row : a) {
            for (int j = 0; j < dim; j++) {
                row[j] = (float) Math.max(0, r.nextGaussian());
            }
        }
        return a;
    }

    private static float[][] matrix(Random r, int rows, int cols) {
        float[][] m = new float[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = vector(r, cols);
        }
        return m;
    }

    private static float[] vector(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 0.1);
        }
        return v;
    }
}
