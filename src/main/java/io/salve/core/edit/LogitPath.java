package io.salve.core.edit;

import io.salve.core.Maths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The exact logits of one activation along an edit's alpha path ({@link EditPath#trace}): continuous, and affine on
 * each segment {@code [start_p, start_p+1)}. The linear methods have one segment, so every logit is
 * {@code z_k(0) + alpha * slope_k} for all alpha; a salve suppression starts a new segment wherever a gate closes.
 * All threshold questions (alpha_crit, alpha_flip, where a class is on top) are answered segment by segment here.
 */
public final class LogitPath {

    private final double[] starts;
    /** Segment-major: segment p, class k at {@code p * classes + k}. */
    private final double[] value;
    private final double[] slope;
    private final int classes;

    LogitPath(double[] starts, double[] value, double[] slope, int classes) {
        this.starts = starts;
        this.value = value;
        this.slope = slope;
        this.classes = classes;
    }

    public int classes() {
        return classes;
    }

    private double value(int p, int k) {
        return value[p * classes + k];
    }

    private double slope(int p, int k) {
        return slope[p * classes + k];
    }

    /** The logits at {@code alpha >= 0}. */
    public double[] at(double alpha) {
        int p = segment(alpha);
        double[] z = new double[classes];
        for (int k = 0; k < z.length; k++) {
            z[k] = value(p, k) + slope(p, k) * (alpha - starts[p]);
        }
        return z;
    }

    /** The unedited logit of class {@code k}. */
    public double initialLogit(int k) {
        return value(0, k);
    }

    /** {@code dz_k/dalpha} at alpha = 0 ({@code -R_k} for a suppression). */
    public double initialSlope(int k) {
        return slope(0, k);
    }

    /** The unedited prediction (first class on ties, as {@link io.salve.core.Head#predict}). */
    public int initialClass() {
        return Maths.argmax(Arrays.copyOf(value, classes));
    }

    /** {@code inf{alpha >= 0 : z_k(alpha) < 0}}: where class k's logit crosses zero; +inf if it never does. */
    public double zeroCrossing(int k) {
        return firstNegative(k, false).alpha();
    }

    /**
     * The first alpha at which another class's logit exceeds class k's ({@code inf{alpha : z_c(alpha) > z_k(alpha)}}
     * over {@code c != k}) and that class (the lowest index on a tie); {@code (-1, +inf)} if none ever does.
     */
    public Crossing overtaken(int k) {
        return firstNegative(k, true);
    }

    /** Which of several functions crossed first ({@code which}, -1 for none), and where. */
    public record Crossing(int which, double alpha) {
    }

    /**
     * The alpha intervals {@code [lo, hi)} on which class k has the largest logit (ties count as k's), in order and
     * merged; {@code hi} is +inf when k stays on top. Zero-length touches are left out.
     */
    public List<double[]> topIntervals(int k) {
        List<double[]> out = new ArrayList<>();
        for (int p = 0; p < starts.length; p++) {
            double lo = starts[p];
            double hi = end(p);
            for (int other = 0; other < classes() && lo < hi; other++) {
                if (other == k) {
                    continue;
                }
                // k stays ahead of other while h(alpha) = h0 + hs (alpha - start) >= 0.
                double h0 = value(p, k) - value(p, other);
                double hs = slope(p, k) - slope(p, other);
                if (hs > 0) {
                    lo = Math.max(lo, starts[p] - h0 / hs);
                } else if (hs < 0) {
                    hi = Math.min(hi, starts[p] + h0 / -hs);
                } else if (h0 < 0) {
                    hi = lo;
                }
            }
            if (lo >= hi) {
                continue;
            }
            double[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            // A crossing found at a segment's end may land a rounding error short of the next start: still one run.
            if (last != null && lo - last[1] <= 1e-12 * lo) {
                last[1] = hi;
            } else {
                out.add(new double[] {lo, hi});
            }
        }
        return out;
    }

    /**
     * The first alpha at which a continuous piecewise-affine function turns negative, solved segment by segment and
     * stopping at the first segment where one does: {@code z_k} itself, or ({@code againstOthers}) each
     * {@code z_k - z_c}, {@code c != k}, reporting which {@code c}. Plain loops, no per-value calls: this runs per
     * served request under a suppression.
     */
    private Crossing firstNegative(int k, boolean againstOthers) {
        int count = againstOthers ? classes : 1;
        for (int p = 0; p < starts.length; p++) {
            int at = p * classes;
            int which = -1;
            double first = Double.POSITIVE_INFINITY;
            for (int w = 0; w < count; w++) {
                if (againstOthers && w == k) {
                    continue;
                }
                double h0 = againstOthers ? value[at + k] - value[at + w] : value[at + k];
                double hs = againstOthers ? slope[at + k] - slope[at + w] : slope[at + k];
                double root = h0 < 0 ? starts[p] : hs < 0 ? starts[p] + h0 / -hs : Double.POSITIVE_INFINITY;
                if (root <= end(p) && root < first) {
                    which = w;
                    first = root;
                }
            }
            if (which >= 0) {
                return new Crossing(which, first);
            }
        }
        return new Crossing(-1, Double.POSITIVE_INFINITY);
    }

    private double end(int p) {
        return p + 1 < starts.length ? starts[p + 1] : Double.POSITIVE_INFINITY;
    }

    private int segment(double alpha) {
        if (!(alpha >= 0)) {
            throw new IllegalArgumentException("alpha must be >= 0, was " + alpha);
        }
        int found = Arrays.binarySearch(starts, alpha);
        return found >= 0 ? found : -found - 2;
    }
}
