package io.salve.core.diagnose;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.edit.EditSet;
import io.salve.core.edit.EditTemplate;

/**
 * Accuracy against edit strength: for each alpha the edited head is built exactly as the service would build it
 * (through {@link EditSet}) and evaluated on labelled activations.
 *
 * @param alphas   the strengths, in the order given
 * @param accuracy {@code accuracy[a][k]}: class k's accuracy at {@code alphas[a]}, NaN for a class with no samples
 * @param support  samples per class
 * @param overall  accuracy over all samples, per alpha
 */
public record Sweep(double[] alphas, double[][] accuracy, int[] support, double[] overall) {

    public static Sweep run(Head head, Sae sae, EditTemplate edit, double[] alphas, float[][] acts, int[] labels) {
        edit.validate(head, sae);
        Checks.labels(head, acts, labels);
        int classes = head.numClasses();
        int[] support = new int[classes];
        for (int label : labels) {
            support[label]++;
        }
        double[][] accuracy = new double[alphas.length][classes];
        double[] overall = new double[alphas.length];
        for (int a = 0; a < alphas.length; a++) {
            Head edited = EditSet.of(edit.at(alphas[a])).apply(head, sae);
            int[] correct = new int[classes];
            for (int n = 0; n < acts.length; n++) {
                if (edited.predict(acts[n]) == labels[n]) {
                    correct[labels[n]]++;
                }
            }
            int total = 0;
            for (int k = 0; k < classes; k++) {
                accuracy[a][k] = support[k] == 0 ? Double.NaN : (double) correct[k] / support[k];
                total += correct[k];
            }
            overall[a] = acts.length == 0 ? Double.NaN : (double) total / acts.length;
        }
        return new Sweep(alphas.clone(), accuracy, support, overall);
    }

    /** Class k's accuracy at each alpha. */
    public double[] classAccuracy(int k) {
        double[] out = new double[alphas.length];
        for (int a = 0; a < out.length; a++) {
            out[a] = accuracy[a][k];
        }
        return out;
    }

    /** The mean accuracy of the classes other than k (those with samples) at each alpha: the edit's spill-over. */
    public double[] meanOffTarget(int k) {
        double[] out = new double[alphas.length];
        for (int a = 0; a < out.length; a++) {
            double sum = 0;
            int classes = 0;
            for (int c = 0; c < support.length; c++) {
                if (c != k && support[c] > 0) {
                    sum += accuracy[a][c];
                    classes++;
                }
            }
            out[a] = classes == 0 ? Double.NaN : sum / classes;
        }
        return out;
    }
}
