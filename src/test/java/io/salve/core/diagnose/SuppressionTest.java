package io.salve.core.diagnose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.SalveException;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.RowScope;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuppressionTest {

    /**
     * Class 0 comes in two kinds, half carried by feature 0 (activation (2, 0)), half by feature 1 ((0, 2)); class 1
     * is (0, 0), predicted by its bias. The SAE is the identity, so removing one feature on class 0's row leaves the
     * other half of the class correct: no single feature takes it below 50%.
     */
    private static final float[][] ACTS = {{2, 0}, {2, 0}, {0, 2}, {0, 2}, {0, 0}, {0, 0}};
    private static final int[] LABELS = {0, 0, 0, 0, 1, 1};
    private static final Head HEAD = new Head(new float[][] {{1, 1}, {0, 0}}, new float[] {0, 0.5f});
    private static final Sae SAE = new Sae(SaeKind.LINEAR, new float[][] {{1, 0}, {0, 1}}, new float[2],
            new float[][] {{1, 0}, {0, 1}}, new float[2], 1, 0);

    private static Suppression suppress(int maxFeatures) {
        Suppression.Plan plan = new Suppression.Plan(0, List.of(0, 1), EditMethod.RANK1, RowScope.CLASS.rows(0), 0.05,
                2, maxFeatures);
        return Suppression.find(HEAD, SAE, plan, 1000, ACTS, LABELS);
    }

    @Test
    void oneFeatureCannotReachTheTarget() {
        Suppression one = suppress(1);
        assertFalse(one.reached());
        assertEquals(0.5, one.accuracy());
        assertEquals(1, one.edits().size());
    }

    @Test
    void twoFeaturesReachItAndTheEditSetDoesWhatTheSearchSays() {
        Suppression two = suppress(3);
        assertTrue(two.clean(2));
        assertEquals(List.of(0, 1), two.features().stream().sorted().toList());
        assertEquals(0, two.accuracy());
        assertEquals(1, two.baseline());
        assertEquals(0, two.offTargetChange(), 1e-9);
        Head edited = two.editSet().apply(HEAD, SAE);
        for (int n = 0; n < ACTS.length; n++) {
            assertEquals(1, edited.predict(ACTS[n]), "sample " + n);
        }
        // The class's own row only: class 1's row is untouched.
        assertEquals(HEAD.weight()[1][0], edited.weight()[1][0]);
    }

    @Test
    void aPlanOutsideItsBoundsIsRefusedBeforeAnySearchWithItsCode() {
        List<Integer> rows = RowScope.CLASS.rows(0);
        assertEquals("BAD_TARGET", assertThrows(SalveException.class, () -> new Suppression.Plan(0, List.of(0),
                EditMethod.RANK1, rows, 1.5, 2, 1)).code());
        assertEquals("BAD_TARGET", assertThrows(SalveException.class, () -> new Suppression.Plan(0, List.of(0),
                EditMethod.RANK1, rows, Double.NaN, 2, 1)).code());
        assertEquals("BAD_TOLERANCE", assertThrows(SalveException.class, () -> new Suppression.Plan(0, List.of(0),
                EditMethod.RANK1, rows, 0.05, -1, 1)).code());
        assertEquals("BAD_MAX_FEATURES", assertThrows(SalveException.class, () -> new Suppression.Plan(0,
                List.of(0), EditMethod.RANK1, rows, 0.05, 2, 0)).code());
        // No tolerance at all (the CLI's default) is a plan like any other.
        assertEquals(Double.POSITIVE_INFINITY, new Suppression.Plan(0, List.of(0), EditMethod.RANK1, rows, 0.05,
                Double.POSITIVE_INFINITY, 1).tolerance());
    }
}
