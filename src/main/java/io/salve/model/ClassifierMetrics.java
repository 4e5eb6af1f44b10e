package io.salve.model;

import java.util.List;

/** A classifier's accuracy on a labelled set: what {@code metrics.json} holds. */
public record ClassifierMetrics(double testAccuracy, List<Double> perClassAccuracy, int testCount) {

    public ClassifierMetrics {
        perClassAccuracy = List.copyOf(perClassAccuracy);
    }

    /** Accuracy overall and per class from predictions and labels. */
    public static ClassifierMetrics of(int[] predictions, int[] labels, int numClasses) {
        int[] correct = new int[numClasses];
        int[] total = new int[numClasses];
        int right = 0;
        for (int n = 0; n < labels.length; n++) {
            total[labels[n]]++;
            if (predictions[n] == labels[n]) {
                correct[labels[n]]++;
                right++;
            }
        }
        Double[] perClass = new Double[numClasses];
        for (int k = 0; k < numClasses; k++) {
            perClass[k] = total[k] == 0 ? Double.NaN : (double) correct[k] / total[k];
        }
        return new ClassifierMetrics(labels.length == 0 ? Double.NaN : (double) right / labels.length,
                List.of(perClass), labels.length);
    }
}
