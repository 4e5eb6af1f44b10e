package io.salve.core.diagnose;

import static io.salve.core.edit.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.Fixtures;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SensitivityTest {

    private static final float[] ONES = {1, 1, 1};

    @Test
    void handValues() {
        Head head = Fixtures.handHead();
        Sae sae = Fixtures.handSae();
        // salve: R_k = sum_j w_kj |D[j,0]| a_j = (0.6 - 0.8, 0.3 + 2.4)
        assertArrayEquals(new double[] {-0.2, 2.7},
                Sensitivity.of(head, sae, 0, EditMethod.SALVE, List.of(), ONES), 1e-6);
        // rank1: R_k = u_k (E[0,:] a + inputScale b_e[0]) = (-0.2, 2.7) * (3 + 1)
        assertArrayEquals(new double[] {-0.8, 10.8},
                Sensitivity.of(head, sae, 0, EditMethod.RANK1, List.of(), ONES), 1e-6);
        // projection: R_k = (W d)_k (d . a) = (-0.2, 2.7) * 1.4
        assertArrayEquals(new double[] {-0.28, 3.78},
                Sensitivity.of(head, sae, 0, EditMethod.PROJECTION, List.of(), ONES), 1e-6);
        assertArrayEquals(new double[] {0, 10.8},
                Sensitivity.of(head, sae, 0, EditMethod.RANK1, List.of(1), ONES), 1e-6);
    }

    @Test
    void isTheRateTheEditedLogitsFallAt() {
        Random rng = new Random(21);
        Head head = Fixtures.randomHead(rng, 5, 16);
        Sae sae = Fixtures.randomSae(rng, SaeKind.LINEAR, 16, 6);
        // Below every salve breakpoint (1/|D[j,l]| >= 1 for a unit column), so all methods are still linear.
        double alpha = 0.5;
        for (EditMethod method : EditMethod.values()) {
            for (float[] a : Fixtures.randomActs(rng, 10, 16, false)) {
                int l = rng.nextInt(6);
                Edit edit = new Edit(l, method, Direction.SUPPRESS, alpha, List.of(0, 3));
                double[] before = head.logits(a);
                double[] after = Fixtures.Reference.of(head, sae, edit).logits(a);
                double[] fall = new double[before.length];
                for (int k = 0; k < fall.length; k++) {
                    fall[k] = (before[k] - after[k]) / alpha;
                }
                assertClose(fall, Sensitivity.of(head, sae, l, method, List.of(0, 3), a), 1e-6);
            }
        }
    }
}
