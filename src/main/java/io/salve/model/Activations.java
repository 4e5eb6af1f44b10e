package io.salve.model;

/**
 * Target-layer activations of a data set: {@code rows[n]} is image n's penultimate vector (length M), {@code labels[n]}
 * its class.
 */
public record Activations(float[][] rows, int[] labels) {

    public Activations {
        if (rows.length != labels.length) {
            throw new IllegalArgumentException(rows.length + " activation rows for " + labels.length + " labels");
        }
    }

    public int count() {
        return rows.length;
    }

    public int dim() {
        return rows.length == 0 ? 0 : rows[0].length;
    }
}
