package io.salve.core.diagnose;

/**
 * The two-sample Kolmogorov-Smirnov distance {@code sup_x |F_a(x) - F_b(x)|} between two empirical distributions:
 * 0 for identical samples, 1 for samples that do not overlap. Values may be +inf (an alpha_flip that never happens),
 * which compare equal to each other like any other value.
 */
public final class KsDistance {

    private KsDistance() {
    }

    /** @param a ascending, no NaN; @param b ascending, no NaN; NaN when either is empty */
    public static double between(double[] a, double[] b) {
        if (a.length == 0 || b.length == 0) {
            return Double.NaN;
        }
        int i = 0;
        int j = 0;
        double d = 0;
        while (i < a.length && j < b.length) {
            double x = Math.min(a[i], b[j]);
            // Step both ECDFs past every copy of x before comparing, so ties do not count as distance.
            while (i < a.length && a[i] == x) {
                i++;
            }
            while (j < b.length && b[j] == x) {
                j++;
            }
            d = Math.max(d, Math.abs((double) i / a.length - (double) j / b.length));
        }
        return d;
    }
}
