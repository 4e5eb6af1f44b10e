package io.salve.core.diagnose;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.edit.Direction;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditTemplate;
import java.util.Arrays;
import java.util.List;

/**
 * Suppression sensitivity {@code R_k}: under a suppression of feature l every logit falls as
 * {@code z_k(alpha) = z_k(0) - alpha R_k}, exactly for RANK1 and PROJECTION and, for SALVE, until the first gate
 * closes. With {@code c(a) = inputScale z_l(a) D[:,l]} and {@code d = D[:,l]/|D[:,l]|}:
 *
 * <pre>
 *   SALVE       R_k = sum_j w_kj |D[j,l]| a_j
 *   RANK1       R_k = (W D[:,l])_k (E[l,:] a + inputScale b_e[l])  = (W c(a))_k  for a LINEAR SAE
 *   PROJECTION  R_k = (W d)_k (d . a)
 * </pre>
 *
 * Rows the edit leaves alone have {@code R_k = 0}.
 */
public final class Sensitivity {

    private Sensitivity() {
    }

    /** {@code R} for suppressing {@code feature} with {@code method} on {@code rows} (empty: all classes). */
    public static double[] of(Head head, Sae sae, int feature, EditMethod method, List<Integer> rows, float[] a) {
        return of(EditPath.of(head, sae, new EditTemplate(feature, method, Direction.SUPPRESS, rows)), a);
    }

    /** {@code R = -dz/dalpha} at alpha = 0 along an edit path (the rate the logits fall at). */
    public static double[] of(EditPath path, float[] a) {
        return Arrays.stream(path.rate(a)).map(r -> -r).toArray();
    }
}
