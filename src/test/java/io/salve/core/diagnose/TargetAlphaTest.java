package io.salve.core.diagnose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.SalveException;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditTemplate;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class TargetAlphaTest {

    private final Synthetic world = new Synthetic(61);
    private final Synthetic.Data heldOut = world.sample(new Random(62), 400, false);

    private TargetAlpha find(EditMethod method, int cls, double target, double alphaMax) {
        return TargetAlpha.find(world.head, world.sae, EditTemplate.suppress(cls, method), cls, target, alphaMax,
                heldOut.acts(), heldOut.labels());
    }

    private Sweep sweep(EditMethod method, int cls, double... alphas) {
        return Sweep.run(world.head, world.sae, EditTemplate.suppress(cls, method), alphas, heldOut.acts(),
                heldOut.labels());
    }

    @Test
    void findsTheSmallestAlphaMeetingTheTarget() {
        int reached = 0;
        for (EditMethod method : EditMethod.values()) {
            for (int cls = 0; cls < Synthetic.CLASSES; cls++) {
                TargetAlpha found = find(method, cls, 0.2, 100);
                if (!found.reached()) {
                    assertTrue(method == EditMethod.SALVE, method.id() + " class " + cls + " unreachable");
                    continue;
                }
                reached++;
                Sweep check = sweep(method, cls, 0, found.alpha(), 0.99 * found.alpha());
                assertTrue(check.accuracy()[1][cls] <= 0.2, method.id() + " at alpha");
                assertTrue(check.accuracy()[2][cls] > 0.2, method.id() + " at 0.99 alpha");
                assertEquals(check.accuracy()[1][cls], found.accuracy());
                assertEquals(check.accuracy()[0][cls], found.baseline());
                assertEquals(100 * (check.meanOffTarget(cls)[1] - check.meanOffTarget(cls)[0]), found.offTargetChange(),
                        1e-9);
            }
        }
        assertTrue(reached >= 8, "reached " + reached);
    }

    @Test
    void forALinearMethodItIsAnOrderStatisticOfAlphaFlip() {
        // With only correctly classified samples, class 0 keeps the samples whose alpha_flip exceeds alpha, so
        // accuracy <= 0.25 first holds at the (n - floor(0.25 n))-th smallest alpha_flip.
        Synthetic.Data correct = world.sample(new Random(63), 200, true);
        EditTemplate edit = EditTemplate.suppress(0, EditMethod.RANK1);
        float[][] acts = Arrays.stream(correct.acts()).filter(a -> world.head.predict(a) == 0).toArray(float[][]::new);
        double[] flips = Arrays.stream(AlphaFlip.batch(EditPath.of(world.head, world.sae, edit), acts))
                .mapToDouble(AlphaFlip::alpha).sorted().toArray();
        int n = flips.length;
        TargetAlpha found = TargetAlpha.find(world.head, world.sae, edit, 0, 0.25, 100, correct.acts(),
                correct.labels());
        assertEquals(flips[n - (int) Math.floor(0.25 * n) - 1], found.alpha(), 1e-5 * found.alpha());
    }

    @Test
    void targetAlreadyMetNeedsNoEdit() {
        TargetAlpha found = find(EditMethod.RANK1, 0, 1.0, 100);
        assertTrue(found.reached());
        assertEquals(0, found.alpha());
        assertEquals(0, found.offTargetChange(), 1e-12);
    }

    @Test
    void unreachableReportsTheBestWithinRange() {
        TargetAlpha found = find(EditMethod.RANK1, 0, 0.0, 0.01);
        assertFalse(found.reached());
        assertTrue(found.alpha() <= 0.01);
        assertTrue(found.accuracy() > 0);
        double[] grid = new double[21];
        for (int g = 0; g < grid.length; g++) {
            grid[g] = 0.01 * g / (grid.length - 1);
        }
        double lowest = Arrays.stream(sweep(EditMethod.RANK1, 0, grid).classAccuracy(0)).min().orElseThrow();
        assertTrue(found.accuracy() <= lowest, found.accuracy() + " vs grid best " + lowest);
    }

    @Test
    void rejectsBadArguments() {
        assertCode("BAD_TARGET", () -> find(EditMethod.RANK1, 0, 1.5, 10));
        assertCode("BAD_TARGET", () -> find(EditMethod.RANK1, 0, Double.NaN, 10));
        assertCode("UNKNOWN_CLASS", () -> find(EditMethod.RANK1, 7, 0.2, 10));
        assertCode("BAD_ALPHA", () -> find(EditMethod.RANK1, 0, 0.2, -1));
        int[] noThrees = Arrays.stream(heldOut.labels()).map(l -> l == 3 ? 2 : l).toArray();
        assertCode("NO_SAMPLES", () -> TargetAlpha.find(world.head, world.sae,
                EditTemplate.suppress(3, EditMethod.RANK1), 3, 0.2, 10, heldOut.acts(), noThrees));
    }

    private static void assertCode(String code, Executable action) {
        assertEquals(code, assertThrows(SalveException.class, action).code());
    }
}
