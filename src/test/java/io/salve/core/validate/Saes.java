package io.salve.core.validate;

import io.salve.core.Sae;
import io.salve.core.SaeKind;
import java.util.Random;

/** Hand-made SAEs for the validate tests. */
final class Saes {

    private Saes() {
    }

    /** An SAE with encoder {@code E}, encoder bias {@code bias} and the transpose of E as its decoder. */
    static Sae of(SaeKind kind, float[][] encoder, float[] bias, float inputScale, int k) {
        int d = encoder.length;
        int m = encoder[0].length;
        float[][] decoder = new float[m][d];
        for (int l = 0; l < d; l++) {
            for (int j = 0; j < m; j++) {
                decoder[j][l] = encoder[l][j];
            }
        }
        return new Sae(kind, encoder, bias, decoder, new float[m], inputScale, k);
    }

    static float[][] gaussian(int rows, int cols, Random random) {
        float[][] out = new float[rows][cols];
        for (float[] row : out) {
            for (int j = 0; j < cols; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return out;
    }
}
