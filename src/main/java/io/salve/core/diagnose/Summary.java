package io.salve.core.diagnose;

import java.util.Arrays;

/**
 * Distribution summary of per-sample thresholds. NaN marks an undefined value and is left out of the quartiles;
 * +inf (e.g. an alpha_flip that never happens) is a value and sorts last.
 *
 * @param count     values given, undefined included
 * @param undefined how many were NaN
 * @param q1        first quartile of the defined values (linear interpolation), NaN when none are defined
 */
public record Summary(int count, int undefined, double q1, double median, double q3) {

    public static Summary of(double[] values) {
        double[] defined = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        return new Summary(values.length, values.length - defined.length, quantile(defined, 0.25),
                quantile(defined, 0.5), quantile(defined, 0.75));
    }

    public double fractionUndefined() {
        return count == 0 ? Double.NaN : (double) undefined / count;
    }

    private static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        double frac = h - lo;
        // Skipping equal neighbours keeps inf from turning into inf - inf = NaN.
        if (frac == 0 || sorted[lo] == sorted[lo + 1]) {
            return sorted[lo];
        }
        return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
    }
}
