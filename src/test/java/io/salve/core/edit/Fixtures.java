package io.salve.core.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import java.util.Random;

/** Heads, SAEs and activations for the edit and diagnose tests, plus an independent reference for the edits. */
public final class Fixtures {

    private Fixtures() {
    }

    /** K = 2, M = 3: the head of the hand-worked examples. */
    public static Head handHead() {
        return new Head(new float[][] {{1f, 2f, -1f}, {0.5f, -1f, 3f}}, new float[] {0.1f, -0.2f});
    }

    /**
     * d = 2 latents: D[:,0] = (0.6, 0, 0.8), D[:,1] = (0, 1, 0); E[0,:] = (1, 0, 2), E[1,:] = (0, 1, 0);
     * b_e = (0.5, 0); inputScale = 2.
     */
    public static Sae handSae() {
        float[][] decoder = {{0.6f, 0f}, {0f, 1f}, {0.8f, 0f}};
        float[][] encoder = {{1f, 0f, 2f}, {0f, 1f, 0f}};
        return new Sae(SaeKind.LINEAR, encoder, new float[] {0.5f, 0f}, decoder, new float[3], 2f, 0);
    }

    public static Head randomHead(Random rng, int classes, int dim) {
        float[][] w = new float[classes][dim];
        float[] b = new float[classes];
        for (int i = 0; i < classes; i++) {
            for (int j = 0; j < dim; j++) {
                w[i][j] = (float) rng.nextGaussian();
            }
            b[i] = (float) (0.5 * rng.nextGaussian());
        }
        return new Head(w, b);
    }

    /** Random SAE with unit-norm decoder columns and a non-trivial input scale and encoder bias. */
    public static Sae randomSae(Random rng, SaeKind kind, int dim, int latents) {
        float[][] encoder = new float[latents][dim];
        float[][] decoder = new float[dim][latents];
        float[] encoderBias = new float[latents];
        float[] decoderBias = new float[dim];
        for (int l = 0; l < latents; l++) {
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                encoder[l][j] = (float) (0.3 * rng.nextGaussian());
                decoder[j][l] = (float) rng.nextGaussian();
                norm += decoder[j][l] * decoder[j][l];
            }
            for (int j = 0; j < dim; j++) {
                decoder[j][l] /= (float) Math.sqrt(norm);
            }
            encoderBias[l] = (float) (0.2 * rng.nextGaussian());
        }
        for (int j = 0; j < dim; j++) {
            decoderBias[j] = (float) (0.1 * rng.nextGaussian());
        }
        return new Sae(kind, encoder, encoderBias, decoder, decoderBias, 1.7f, kind == SaeKind.TOPK ? 2 : 0);
    }

    public static float[][] randomActs(Random rng, int n, int dim, boolean nonNegative) {
        float[][] acts = new float[n][dim];
        for (float[] a : acts) {
            for (int j = 0; j < dim; j++) {
                double x = rng.nextGaussian();
                a[j] = (float) (nonNegative ? Math.max(0, x) * 2 : x);
            }
        }
        return acts;
    }

    /** An edited head in double precision, straight from the formulas (independent of {@link EditPath}). */
    public record Reference(double[][] weight, double[] bias) {

        public static Reference of(Head head, Sae sae, Edit edit) {
            int classes = head.numClasses();
            int m = head.dim();
            int l = edit.feature();
            double s = edit.direction().sign();
            double alpha = edit.alpha();
            double[] col = new double[m];
            double norm = 0;
            for (int j = 0; j < m; j++) {
                col[j] = sae.decoder()[j][l];
                norm += col[j] * col[j];
            }
            norm = Math.sqrt(norm);
            double[][] w = new double[classes][m];
            double[] b = new double[classes];
            for (int i = 0; i < classes; i++) {
                float[] row = head.weight()[i];
                b[i] = head.bias()[i];
                boolean edited = edit.rows().isEmpty() || edit.rows().contains(i);
                double u = 0;
                double v = 0;
                for (int j = 0; j < m; j++) {
                    u += row[j] * col[j];
                    v += row[j] * col[j] / norm;
                }
                for (int j = 0; j < m; j++) {
                    w[i][j] = !edited ? row[j] : switch (edit.method()) {
                        case SALVE -> row[j] * Math.max(0, 1 + s * alpha * Math.abs(col[j]));
                        case RANK1 -> row[j] + s * alpha * u * sae.encoder()[l][j];
                        case PROJECTION -> row[j] + s * alpha * v * col[j] / norm;
                    };
                }
                if (edited && edit.method() == EditMethod.RANK1) {
                    b[i] += s * alpha * u * sae.inputScale() * sae.encoderBias()[l];
                }
            }
            return new Reference(w, b);
        }

        public double[] logits(float[] a) {
            double[] z = bias.clone();
            for (int i = 0; i < z.length; i++) {
                for (int j = 0; j < a.length; j++) {
                    z[i] += weight[i][j] * a[j];
                }
            }
            return z;
        }
    }

    public static void assertClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * Math.max(1, Math.abs(expected[i])), "index " + i);
        }
    }

    public static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    public static double[][] toDouble(float[][] v) {
        double[][] out = new double[v.length][];
        for (int i = 0; i < v.length; i++) {
            out[i] = toDouble(v[i]);
        }
        return out;
    }
}
