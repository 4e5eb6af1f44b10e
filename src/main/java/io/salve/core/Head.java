package io.salve.core;

import java.util.Objects;

/**
 * The classifier head: {@code logits = W a + b}, with {@code W} of shape {@code K x M} (one row per class) and
 * {@code a} the penultimate activation. Immutable by convention: edits build new heads, never mutate one.
 */
public record Head(float[][] weight, float[] bias) {

    public Head {
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(bias, "bias");
        if (weight.length == 0 || weight.length != bias.length) {
            throw new IllegalArgumentException("head has " + weight.length + " weight rows and " + bias.length + " biases");
        }
        int m = weight[0].length;
        for (float[] row : weight) {
            if (row.length != m) {
                throw new IllegalArgumentException("ragged head weight");
            }
        }
    }

    public int numClasses() {
        return weight.length;
    }

    public int dim() {
        return weight[0].length;
    }

    /** Logits for one activation vector. */
    public double[] logits(float[] a) {
        if (a.length != dim()) {
            throw new IllegalArgumentException("activation has " + a.length + " dims, head expects " + dim());
        }
        double[] z = new double[numClasses()];
        for (int i = 0; i < z.length; i++) {
            double s = bias[i];
            float[] w = weight[i];
            for (int j = 0; j < w.length; j++) {
                s += (double) w[j] * a[j];
            }
            z[i] = s;
        }
        return z;
    }

    /** Index of the largest logit (first one on ties). */
    public int predict(float[] a) {
        return Maths.argmax(logits(a));
    }

    /** A deep copy, so that an edit can start from this head without touching it. */
    public Head copy() {
        float[][] w = new float[weight.length][];
        for (int i = 0; i < w.length; i++) {
            w[i] = weight[i].clone();
        }
        return new Head(w, bias.clone());
    }
}
