package io.salve.core.diagnose;

import io.salve.core.edit.EditPath;
import io.salve.core.edit.LogitPath;

/**
 * The critical suppression threshold of one sample for class {@code i}: the strength at which its logit reaches zero.
 *
 * <p>For a suppression, {@code z_i(alpha) = z_i(0) - alpha R_i} until a salve gate closes (forever for RANK1 and
 * PROJECTION, where both estimates agree up to {@code alphaMax}). The SALVE logit with clipping is
 * {@code z_i(alpha) = b_i + sum_j w_ij a_j max(0, 1 - alpha |D[j,l]|)}, and
 * {@code z_clipped(alpha) - z_line(alpha) = sum_j w_ij a_j max(0, alpha |D[j,l]| - 1)}: each closed gate freezes
 * its term at zero instead of letting it keep falling. So whenever every term that closes before the line's root
 * has {@code w_ij a_j >= 0}, the clipped logit stays at or above the line and {@code analytic <= numeric}. Post-ReLU
 * activations ({@code a_j >= 0}) alone are not enough: a negative weight {@code w_ij} on a dimension that closes
 * early freezes a rising term, the clipped logit drops below the line and the exact root comes first. When the line's
 * root comes before the first gate closes ({@code analytic <= 1 / max_j |D[j,l]|}) the two are equal.
 *
 * @param analytic {@code z_i(0) / R_i}; NaN unless {@code z_i(0) > 0} and {@code R_i > 0}
 * @param numeric  the exact root of {@code z_i(alpha)} in {@code [0, alphaMax]}, solved piecewise on the clipped
 *                 logit; NaN unless {@code z_i(0) > 0} and the root lies in range
 */
public record AlphaCrit(double analytic, double numeric) {

    /** Both estimates for class {@code cls} of one sample's logit path. */
    public static AlphaCrit of(LogitPath path, int cls, double alphaMax) {
        Checks.alphaMax(alphaMax);
        double z0 = path.initialLogit(cls);
        if (!(z0 > 0)) {
            return new AlphaCrit(Double.NaN, Double.NaN);
        }
        double r = -path.initialSlope(cls);
        double root = path.zeroCrossing(cls);
        return new AlphaCrit(r > 0 ? z0 / r : Double.NaN, root <= alphaMax ? root : Double.NaN);
    }

    /** Per-sample estimates; {@code classes[n]} is the class to threshold for sample n (true or predicted). */
    public static Batch batch(EditPath edit, float[][] acts, int[] classes, double alphaMax) {
        if (acts.length != classes.length) {
            throw new IllegalArgumentException(acts.length + " activations but " + classes.length + " classes");
        }
        Checks.alphaMax(alphaMax);
        double[] analytic = new double[acts.length];
        double[] numeric = new double[acts.length];
        for (int n = 0; n < acts.length; n++) {
            Checks.classIndex(edit.base(), classes[n]);
            AlphaCrit crit = of(edit.trace(acts[n]), classes[n], alphaMax);
            analytic[n] = crit.analytic;
            numeric[n] = crit.numeric;
        }
        return new Batch(analytic, numeric);
    }

    /** Per-sample estimates, NaN where undefined (see {@link Summary}). */
    public record Batch(double[] analytic, double[] numeric) {
    }
}
