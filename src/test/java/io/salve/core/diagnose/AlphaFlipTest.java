package io.salve.core.diagnose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.Head;
import io.salve.core.Maths;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.edit.Direction;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditTemplate;
import io.salve.core.edit.Fixtures;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AlphaFlipTest {

    private static final int M = 16;

    @Test
    void handValues() {
        // a = (1,1,1): z = (2.1, 2.3), class 1 predicted; flip at (z_1 - z_0) / (R_1 - R_0) = 0.2 / (R_1 - R_0).
        Head head = Fixtures.handHead();
        Sae sae = Fixtures.handSae();
        float[] a = {1, 1, 1};
        double[] expected = {0.2 / 2.9, 0.2 / 11.6, 0.2 / 4.06};
        for (EditMethod method : EditMethod.values()) {
            AlphaFlip flip = AlphaFlip.of(EditPath.of(head, sae, EditTemplate.suppress(0, method)).trace(a));
            assertEquals(1, flip.from());
            assertEquals(0, flip.to());
            assertEquals(expected[method.ordinal()], flip.alpha(), 1e-6, method.id());
        }
    }

    @Test
    void linearMethodsMatchTheClosedForm() {
        Random rng = new Random(41);
        Head head = Fixtures.randomHead(rng, 8, M);
        Sae sae = Fixtures.randomSae(rng, SaeKind.LINEAR, M, 8);
        for (EditMethod method : new EditMethod[] {EditMethod.RANK1, EditMethod.PROJECTION}) {
            float[][] acts = Fixtures.randomActs(rng, 100, M, false);
            AlphaFlip[] flips = AlphaFlip.batch(EditPath.of(head, sae, EditTemplate.suppress(4, method)), acts);
            for (int n = 0; n < acts.length; n++) {
                double[] z = head.logits(acts[n]);
                double[] r = Sensitivity.of(head, sae, 4, method, List.of(), acts[n]);
                int i = Maths.argmax(z);
                double closed = Double.POSITIVE_INFINITY;
                for (int k = 0; k < z.length; k++) {
                    if (k != i && r[i] > r[k]) {
                        closed = Math.min(closed, (z[i] - z[k]) / (r[i] - r[k]));
                    }
                }
                assertEquals(i, flips[n].from());
                assertEquals(closed, flips[n].alpha(), 1e-9 * Math.max(1, closed));
            }
        }
    }

    @Test
    void agreesWithABruteForceScan() {
        Random rng = new Random(42);
        Head head = Fixtures.randomHead(rng, 6, M);
        int flipped = 0;
        for (EditMethod method : EditMethod.values()) {
            for (boolean nonNegative : new boolean[] {true, false}) {
                Sae sae = Fixtures.randomSae(rng, SaeKind.LINEAR, M, 8);
                EditTemplate edit = EditTemplate.suppress(rng.nextInt(8), method);
                EditPath path = EditPath.of(head, sae, edit);
                for (float[] a : Fixtures.randomActs(rng, 25, M, nonNegative)) {
                    AlphaFlip flip = AlphaFlip.of(path.trace(a));
                    double scanned = scan(head, sae, edit, a, flip.from(),
                            flip.flips() ? 2 * flip.alpha() : 1e3);
                    if (!flip.flips()) {
                        assertTrue(Double.isInfinite(scanned), "never flips, but the scan found " + scanned);
                        continue;
                    }
                    flipped++;
                    assertEquals(flip.alpha(), scanned, 1e-6 * flip.alpha(), method.id());
                    // The heads the service builds agree too, just either side of the flip.
                    assertEquals(flip.from(), path.at(flip.alpha() * (1 - 1e-4)).predict(a));
                    assertNotEquals(flip.from(), path.at(flip.alpha() * (1 + 1e-4)).predict(a));
                }
            }
        }
        assertTrue(flipped > 60, "flipped " + flipped);
    }

    /** The first alpha in [0, max] where the reference edit's argmax leaves {@code from}: grid, then bisection. */
    private static double scan(Head head, Sae sae, EditTemplate edit, float[] a, int from, double max) {
        int steps = 5000;
        for (int s = 1; s <= steps; s++) {
            double hi = max * s / steps;
            if (top(head, sae, edit, a, hi) != from) {
                double lo = max * (s - 1) / steps;
                for (int it = 0; it < 200 && hi - lo > 1e-14 * hi; it++) {
                    double mid = (lo + hi) / 2;
                    if (top(head, sae, edit, a, mid) == from) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                return hi;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    private static int top(Head head, Sae sae, EditTemplate edit, float[] a, double alpha) {
        return Maths.argmax(Fixtures.Reference.of(head, sae, edit.at(alpha)).logits(a));
    }

    @Test
    void neverFlipsWhenOnlyThePredictedClassRises() {
        Random rng = new Random(43);
        Head head = Fixtures.randomHead(rng, 5, M);
        Sae sae = Fixtures.randomSae(rng, SaeKind.LINEAR, M, 4);
        float[] a = Fixtures.randomActs(rng, 1, M, false)[0];
        int i = head.predict(a);
        for (Direction direction : Direction.values()) {
            EditPath path = EditPath.of(head, sae, new EditTemplate(0, EditMethod.PROJECTION, direction, List.of(i)));
            if (path.rate(a)[i] > 0) {
                AlphaFlip flip = AlphaFlip.of(path.trace(a));
                assertEquals(Double.POSITIVE_INFINITY, flip.alpha());
                assertEquals(-1, flip.to());
                return;
            }
        }
        throw new AssertionError("one direction raises the predicted logit");
    }
}
