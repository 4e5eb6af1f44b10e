package io.salve.core.edit;

import static io.salve.core.edit.Fixtures.assertClose;
import static io.salve.core.edit.Fixtures.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.Head;
import io.salve.core.Maths;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EditSetTest {

    private final Random rng = new Random(5);
    private final Head head = Fixtures.randomHead(rng, 10, 24);
    private final Sae sae = Fixtures.randomSae(rng, SaeKind.LINEAR, 24, 8);

    private static Edit edit(int feature, EditMethod method, double alpha, Integer... rows) {
        return new Edit(feature, method, Direction.SUPPRESS, alpha, List.of(rows));
    }

    private static double maxDiff(Head a, Head b) {
        double max = 0;
        for (int i = 0; i < a.numClasses(); i++) {
            for (int j = 0; j < a.dim(); j++) {
                max = Math.max(max, Math.abs(a.weight()[i][j] - b.weight()[i][j]));
            }
            max = Math.max(max, Math.abs(a.bias()[i] - b.bias()[i]));
        }
        return max;
    }

    @Test
    void emptySetReturnsAnEqualNewHead() {
        Head out = EditSet.EMPTY.apply(head, sae);
        assertNotSame(head, out);
        assertArrayEquals(head.weight(), out.weight());
        assertArrayEquals(head.bias(), out.bias());
    }

    @Test
    void editsApplyInListOrderEachToThePreviousHead() {
        Edit first = edit(0, EditMethod.PROJECTION, 0.7);
        Edit second = edit(1, EditMethod.RANK1, 1.3, 2, 5);
        Head chained = second.apply(first.apply(head, sae), sae);
        Head fromSet = EditSet.of(first).with(second).apply(head, sae);
        assertEquals(0, maxDiff(chained, fromSet));
        assertEquals(List.of(first, second), EditSet.of(first, second).edits());
    }

    @Test
    void salveGatesCommuteClippingIncluded() {
        // Feature 0 clips some dimensions at alpha 6 (|D[j,0]| above 1/6); diagonal gates commute anyway.
        Edit a = edit(0, EditMethod.SALVE, 6);
        Edit b = edit(3, EditMethod.SALVE, 0.8);
        Head ab = EditSet.of(a, b).apply(head, sae);
        Head ba = EditSet.of(b, a).apply(head, sae);
        assertEquals(0, maxDiff(ab, ba), 1e-6);
        assertTrue(maxDiff(ab, head) > 0.1, "the edits did something");
    }

    @Test
    void projectionsOnNonOrthogonalFeaturesDependOnOrder() {
        // The most overlapping pair of the random features.
        int f = 0;
        int g = 1;
        for (int x = 0; x < sae.latents(); x++) {
            for (int y = x + 1; y < sae.latents(); y++) {
                if (Math.abs(Maths.dot(sae.direction(x), sae.direction(y)))
                        > Math.abs(Maths.dot(sae.direction(f), sae.direction(g)))) {
                    f = x;
                    g = y;
                }
            }
        }
        float[] d1 = sae.direction(g);
        assertTrue(Math.abs(Maths.dot(sae.direction(f), d1)) > 0.1, "the features overlap");
        Edit a = edit(f, EditMethod.PROJECTION, 1);
        Edit b = edit(g, EditMethod.PROJECTION, 1);
        Head ab = EditSet.of(a, b).apply(head, sae);
        Head ba = EditSet.of(b, a).apply(head, sae);
        assertTrue(maxDiff(ab, ba) > 1e-3, "order matters, diff " + maxDiff(ab, ba));
        // Applied last, a projection leaves no component along its own direction.
        for (float[] row : ab.weight()) {
            assertEquals(0, Maths.dot(row, d1), 1e-5);
        }
    }

    @Test
    void editsOnDisjointRowsCommute() {
        Edit a = edit(0, EditMethod.RANK1, 1, 0, 1);
        Edit b = edit(1, EditMethod.PROJECTION, 2, 2, 3);
        assertEquals(0, maxDiff(EditSet.of(a, b).apply(head, sae), EditSet.of(b, a).apply(head, sae)));
    }

    @Test
    void applyLeavesTheInputHeadAlone() {
        Head before = head.copy();
        EditSet.of(edit(0, EditMethod.SALVE, 3), edit(2, EditMethod.RANK1, 1)).apply(head, sae);
        for (int i = 0; i < head.numClasses(); i++) {
            assertClose(toDouble(before.weight()[i]), toDouble(head.weight()[i]), 0);
        }
        assertClose(toDouble(before.bias()), toDouble(head.bias()), 0);
    }
}
