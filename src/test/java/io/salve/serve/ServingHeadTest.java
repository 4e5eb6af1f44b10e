package io.salve.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditSet;
import io.salve.core.edit.Fixtures;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ServingHeadTest {

    static final int CLASSES = 4;
    static final int DIM = 12;

    static final Random RNG = new Random(11);
    static final Head BASE = Fixtures.randomHead(RNG, CLASSES, DIM);
    static final Sae SAE = Fixtures.randomSae(RNG, SaeKind.RELU, DIM, 6);
    static final float[][] HELD_OUT = Fixtures.randomActs(RNG, 600, DIM, true);
    static final EditSet EDITS = EditSet.of(
            new Edit(1, EditMethod.SALVE, Direction.SUPPRESS, 0.8, List.of()),
            new Edit(2, EditMethod.RANK1, Direction.ENHANCE, 0.3, List.of()),
            new Edit(3, EditMethod.PROJECTION, Direction.SUPPRESS, 0.5, List.of(0, 2)));

    @Test
    void theServedHeadIsTheEditSetAppliedAndEverySuppressionGetsAProbe() {
        ServingHead h = ServingHead.of(BASE, SAE, EDITS, 7).withReferences(HELD_OUT);
        Head expected = EDITS.apply(BASE, SAE);
        for (int k = 0; k < CLASSES; k++) {
            assertArrayEquals(expected.weight()[k], h.head().weight()[k]);
        }
        assertArrayEquals(expected.bias(), h.head().bias());
        assertEquals(7, h.version());
        assertEquals(List.of(0, 2), h.suppressions().stream().map(SuppressionProbe::index).toList());
        assertEquals(BASE, h.base());
        // The last suppression's head is the served head; the first one starts from the unedited head.
        assertEquals(h.head(), h.suppressions().get(1).after());
        assertEquals(BASE, h.suppressions().get(0).path().base());
    }

    @Test
    void theHeldOutReferenceHoldsEverySampleUnderTheClassPredictedBeforeTheEdit() {
        SuppressionProbe first = ServingHead.of(BASE, SAE, EDITS, 1).withReferences(HELD_OUT).suppressions().get(0);
        int[] predicted = new int[CLASSES];
        for (float[] a : HELD_OUT) {
            predicted[BASE.predict(a)]++;
        }
        for (int k = 0; k < CLASSES; k++) {
            double[] r = first.reference()[k];
            assertEquals(predicted[k], r.length, "class " + k);
            double[] sorted = r.clone();
            Arrays.sort(sorted);
            assertArrayEquals(sorted, r);
        }
    }

    @Test
    void aDiagnosisFlipsExactlyWhenTheEditChangesThePredictionAndAgreesWithAlphaFlip() {
        ServingHead h = ServingHead.of(BASE, SAE, EDITS, 1).withReferences(new float[0][]);
        SuppressionProbe probe = h.suppressions().get(0);
        Head before = probe.path().base();
        int flips = 0;
        for (float[] a : Fixtures.randomActs(new Random(3), 2000, DIM, true)) {
            Observation.Diagnosis d = probe.diagnose(a);
            int was = before.predict(a);
            boolean changed = probe.after().predict(a) != was;
            assertEquals(was, d.predicted());
            assertEquals(changed, d.flipped());
            flips += changed ? 1 : 0;
            double alpha = probe.edit().alpha();
            // alpha_flip is the exact threshold: below it the prediction holds, at or above it it has left.
            if (Math.abs(d.alphaFlip() - alpha) > 1e-6) {
                assertEquals(d.alphaFlip() < alpha, changed, "alphaFlip " + d.alphaFlip());
            }
            double[] z = before.logits(a);
            double[] sorted = z.clone();
            Arrays.sort(sorted);
            assertEquals(sorted[CLASSES - 1] - sorted[CLASSES - 2], d.margin(), 1e-9);
            assertEquals(Double.isFinite(d.alphaFlip()) && Math.abs(alpha - d.alphaFlip()) <= 0.1 * d.alphaFlip(),
                    d.nearCritical());
        }
        assertTrue(flips > 20 && flips < 1980, "the edit flips some samples and not all: " + flips);
    }
}
