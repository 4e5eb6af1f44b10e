package io.salve.core.edit;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * One edit template on one head, as a function of alpha. Every method moves each target row along a straight line,
 * {@code W(alpha) = W + alpha S}, {@code b(alpha) = b + alpha s_b}; a salve suppression also closes dimension
 * {@code j}'s gate ({@code w_ij = 0}) once {@code alpha >= 1/|D[j,l]|}, which is the {@code max(0, .)} of the paper's
 * formula. Edited heads ({@link #at}) and the logit paths the diagnostics solve ({@link #trace}) come from the same
 * slopes, so the two cannot disagree.
 */
public final class EditPath {

    private final Head base;
    private final boolean[] target;
    private final double[][] slope;
    /** {@link #slope} transposed ({@code M x K}), so that a closing gate's terms are read contiguously. */
    private final double[][] slopeByDim;
    private final double[] biasSlope;
    /** Per dimension, the alpha at which its gate closes; +inf where it never does. */
    private final double[] closesAt;
    /** The distinct finite {@link #closesAt} values, ascending, and the dimensions closing at each. */
    private final double[] breakpoints;
    private final int[][] closing;

    private EditPath(Head base, boolean[] target, double[][] slope, double[] biasSlope, double[] closesAt) {
        this.base = base;
        this.target = target;
        this.slope = slope;
        this.slopeByDim = new double[closesAt.length][target.length];
        for (int i = 0; i < target.length; i++) {
            for (int j = 0; j < closesAt.length; j++) {
                slopeByDim[j][i] = slope[i][j];
            }
        }
        this.biasSlope = biasSlope;
        this.closesAt = closesAt;
        this.breakpoints = Arrays.stream(closesAt).filter(Double::isFinite).distinct().sorted().toArray();
        this.closing = Arrays.stream(breakpoints)
                .mapToObj(t -> IntStream.range(0, closesAt.length).filter(j -> closesAt[j] == t).toArray())
                .toArray(int[][]::new);
    }

    /** The path of {@code edit} from {@code head}; validates the template ({@link EditTemplate#validate}). */
    public static EditPath of(Head head, Sae sae, EditTemplate edit) {
        edit.validate(head, sae);
        int classes = head.numClasses();
        int m = head.dim();
        int l = edit.feature();
        double s = edit.direction().sign();
        boolean[] target = new boolean[classes];
        for (int i = 0; i < classes; i++) {
            target[i] = edit.targets(i);
        }
        double[] col = toDouble(sae.direction(l));
        double[][] slope = new double[classes][m];
        double[] biasSlope = new double[classes];
        double[] closesAt = new double[m];
        Arrays.fill(closesAt, Double.POSITIVE_INFINITY);
        switch (edit.method()) {
            case SALVE -> {
                for (int j = 0; j < m; j++) {
                    double gate = Math.abs(col[j]);
                    for (int i = 0; i < classes; i++) {
                        if (target[i]) {
                            slope[i][j] = s * head.weight()[i][j] * gate;
                        }
                    }
                    // Only shrinking gates clip; enhancing ones grow without bound.
                    if (s < 0 && gate > 0) {
                        closesAt[j] = 1 / gate;
                    }
                }
            }
            case RANK1 -> rankOne(head, target, s, col, toDouble(sae.encoder()[l]),
                    (double) sae.inputScale() * sae.encoderBias()[l], slope, biasSlope);
            case PROJECTION -> {
                double norm = Math.sqrt(dot(col, col));
                if (norm == 0) {
                    throw new SalveException("DEAD_FEATURE", "feature " + l + " has a zero decoder column, so it "
                            + "has no direction to project out; pick another feature");
                }
                double[] d = Arrays.stream(col).map(x -> x / norm).toArray();
                rankOne(head, target, s, d, d, 0, slope, biasSlope);
            }
        }
        return new EditPath(head, target, slope, biasSlope, closesAt);
    }

    /**
     * Rank-1 methods: row {@code i} moves along {@code s (w_i . p) q} and its bias along {@code s (w_i . p) beta}.
     * RANK1 has {@code p = D[:,l], q = E[l,:], beta = inputScale b_e[l]}, so {@code W' a + b'} removes (s = -1) exactly
     * {@code alpha W D[:,l] (E[l,:] a + inputScale b_e[l]) = alpha W c(a)}; PROJECTION has {@code p = q = d, beta = 0}.
     */
    private static void rankOne(Head head, boolean[] target, double s, double[] p, double[] q, double beta,
                                double[][] slope, double[] biasSlope) {
        for (int i = 0; i < target.length; i++) {
            if (!target[i]) {
                continue;
            }
            double u = s * dot(p, toDouble(head.weight()[i]));
            for (int j = 0; j < q.length; j++) {
                slope[i][j] = u * q[j];
            }
            biasSlope[i] = u * beta;
        }
    }

    public Head base() {
        return base;
    }

    /** The edited head at strength {@code alpha}, a new one; rows outside the target are copied unchanged. */
    public Head at(double alpha) {
        Edit.checkAlpha(alpha, Double.MAX_VALUE);
        Head out = base.copy();
        for (int i = 0; i < target.length; i++) {
            if (!target[i]) {
                continue;
            }
            float[] w = out.weight()[i];
            for (int j = 0; j < w.length; j++) {
                w[j] = alpha >= closesAt[j] ? 0f : (float) (w[j] + alpha * slope[i][j]);
            }
            out.bias()[i] = (float) (out.bias()[i] + alpha * biasSlope[i]);
        }
        return out;
    }

    /**
     * {@code dz_k/dalpha} at {@code alpha = 0} for activation {@code a}, every class (zero off target). For a
     * suppression this is {@code -R_k}: the logit falls at rate {@code R_k} until a gate closes.
     */
    public double[] rate(float[] a) {
        checkDim(a);
        return slopeOf(a, false);
    }

    /** The exact logits of activation {@code a} as a function of alpha. */
    public LogitPath trace(float[] a) {
        checkDim(a);
        int segments = breakpoints.length + 1;
        int k = target.length;
        double[] starts = new double[segments];
        System.arraycopy(breakpoints, 0, starts, 1, breakpoints.length);
        // Flat segment-major arrays (segment p, class i at p * k + i): this runs per served request under a
        // suppression, so two allocations instead of two per segment.
        // Slopes from the last segment back, adding the terms whose gates are still open: the last segment then has
        // exactly the never-closing terms (zero for salve) and no rounding residue that could fake a far-off root.
        double[] slopes = new double[segments * k];
        System.arraycopy(slopeOf(a, true), 0, slopes, (segments - 1) * k, k);
        for (int p = segments - 2; p >= 0; p--) {
            int at = p * k;
            System.arraycopy(slopes, at + k, slopes, at, k);
            // Rows off target have zero slopes, so adding their terms changes nothing.
            for (int j : closing[p]) {
                double aj = a[j];
                double[] col = slopeByDim[j];
                for (int i = 0; i < k; i++) {
                    slopes[at + i] += col[i] * aj;
                }
            }
        }
        double[] value = new double[segments * k];
        System.arraycopy(base.logits(a), 0, value, 0, k);
        for (int p = 1; p < segments; p++) {
            int at = p * k;
            double width = starts[p] - starts[p - 1];
            for (int i = 0; i < k; i++) {
                value[at + i] = value[at - k + i] + slopes[at - k + i] * width;
            }
        }
        return new LogitPath(starts, value, slopes, k);
    }

    /** {@code dz/dalpha} over all terms, or ({@code neverClosing}) over those whose gates never close. */
    private double[] slopeOf(float[] a, boolean neverClosing) {
        double[] r = biasSlope.clone();
        for (int i = 0; i < r.length; i++) {
            if (target[i]) {
                for (int j = 0; j < a.length; j++) {
                    if (!neverClosing || closesAt[j] == Double.POSITIVE_INFINITY) {
                        r[i] += slope[i][j] * a[j];
                    }
                }
            }
        }
        return r;
    }

    private void checkDim(float[] a) {
        if (a.length != base.dim()) {
            throw new IllegalArgumentException("activation has " + a.length + " dims, head expects " + base.dim());
        }
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
