package io.salve.core.diagnose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditTemplate;
import io.salve.core.edit.Fixtures;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AlphaCritTest {

    private static final int M = 16;

    private static double logit(Head head, Sae sae, EditTemplate edit, float[] a, int k, double alpha) {
        return Fixtures.Reference.of(head, sae, edit.at(alpha)).logits(a)[k];
    }

    private static double maxGate(Sae sae, int l) {
        double max = 0;
        for (float x : sae.direction(l)) {
            max = Math.max(max, Math.abs(x));
        }
        return max;
    }

    @Test
    void handValues() {
        Head head = Fixtures.handHead();
        Sae sae = Fixtures.handSae();
        EditPath path = EditPath.of(head, sae, EditTemplate.suppress(0, EditMethod.SALVE));
        float[] a = {1, 1, 1};
        // class 1: z = 2.3, R = 2.7; the root 0.85 comes before the first gate closes (1 / 0.8 = 1.25).
        AlphaCrit crit = AlphaCrit.of(path.trace(a), 1, 10);
        assertEquals(2.3 / 2.7, crit.analytic(), 1e-6);
        assertEquals(crit.analytic(), crit.numeric(), 1e-12);
        assertTrue(Double.isNaN(AlphaCrit.of(path.trace(a), 1, 0.5).numeric()), "root beyond alphaMax");
        // class 0: z = 2.1 but R = -0.2 < 0, and the clipped logit never reaches zero.
        AlphaCrit rising = AlphaCrit.of(path.trace(a), 0, 10);
        assertTrue(Double.isNaN(rising.analytic()) && Double.isNaN(rising.numeric()));
        // a non-positive logit has nothing to suppress
        AlphaCrit negative = AlphaCrit.of(path.trace(new float[] {0, 0, 0}), 1, 10);
        assertTrue(Double.isNaN(negative.analytic()) && Double.isNaN(negative.numeric()));
    }

    @Test
    void linearMethodsAgreeAndZeroTheLogit() {
        Random rng = new Random(31);
        Head head = Fixtures.randomHead(rng, 6, M);
        Sae sae = Fixtures.randomSae(rng, SaeKind.LINEAR, M, 8);
        int defined = 0;
        for (EditMethod method : new EditMethod[] {EditMethod.RANK1, EditMethod.PROJECTION}) {
            EditTemplate edit = EditTemplate.suppress(2, method);
            float[][] acts = Fixtures.randomActs(rng, 200, M, false);
            int[] classes = new int[acts.length];
            for (int n = 0; n < acts.length; n++) {
                classes[n] = head.predict(acts[n]);
            }
            AlphaCrit.Batch batch = AlphaCrit.batch(EditPath.of(head, sae, edit), acts, classes, 1e6);
            for (int n = 0; n < acts.length; n++) {
                if (!Double.isNaN(batch.analytic()[n])) {
                    defined++;
                    assertEquals(batch.analytic()[n], batch.numeric()[n], 1e-12 * batch.analytic()[n]);
                    assertEquals(0, logit(head, sae, edit, acts[n], classes[n], batch.numeric()[n]), 1e-9);
                }
            }
        }
        assertTrue(defined > 50, "defined " + defined);
    }

    @Test
    void salveNumericIsTheFirstRootOfTheClippedLogit() {
        Random rng = new Random(32);
        Head head = Fixtures.randomHead(rng, 6, M);
        Sae sae = Fixtures.randomSae(rng, SaeKind.LINEAR, M, 8);
        EditTemplate edit = EditTemplate.suppress(1, EditMethod.SALVE);
        EditPath path = EditPath.of(head, sae, edit);
        int checked = 0;
        for (float[] a : Fixtures.randomActs(rng, 200, M, true)) {
            int k = head.predict(a);
            double root = AlphaCrit.of(path.trace(a), k, 1e6).numeric();
            if (Double.isNaN(root)) {
                continue;
            }
            checked++;
            assertEquals(0, logit(head, sae, edit, a, k, root), 1e-9);
            for (int step = 0; step < 200; step++) {
                assertTrue(logit(head, sae, edit, a, k, root * step / 200.0) > 0, "positive before the root");
            }
        }
        assertTrue(checked > 30, "checked " + checked);
    }

    @Test
    void salveAnalyticIsALowerBoundWhenEveryTermIsNonNegative() {
        // Post-ReLU activations and a non-negative head row: every w_ij a_j >= 0, so closing a gate can only
        // stop a falling term and the clipped logit stays above the line.
        Random rng = new Random(33);
        Head signed = Fixtures.randomHead(rng, 4, M);
        float[][] w = new float[4][M];
        float[] b = new float[4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < M; j++) {
                w[i][j] = Math.abs(signed.weight()[i][j]);
            }
            b[i] = (float) (-6 + rng.nextGaussian());
        }
        Head head = new Head(w, b);
        int both = 0;
        int strict = 0;
        for (int l = 0; l < 8; l++) {
            Sae sae = Fixtures.randomSae(rng, SaeKind.LINEAR, M, 8);
            EditPath path = EditPath.of(head, sae, EditTemplate.suppress(l, EditMethod.SALVE));
            for (float[] a : Fixtures.randomActs(rng, 100, M, true)) {
                for (int k = 0; k < 4; k++) {
                    AlphaCrit crit = AlphaCrit.of(path.trace(a), k, 1e6);
                    if (Double.isNaN(crit.analytic()) || Double.isNaN(crit.numeric())) {
                        continue;
                    }
                    both++;
                    assertTrue(crit.analytic() <= crit.numeric() * (1 + 1e-12), crit.toString());
                    if (crit.analytic() < crit.numeric() * (1 - 1e-6)) {
                        strict++;
                    }
                }
            }
        }
        assertTrue(both > 500 && strict > 100, "both " + both + ", strictly below " + strict);
    }

    @Test
    void salveBoundFailsWithNonNegativeActivationsButANegativeWeight() {
        // D[:,0] = (0.96, 0.28), w_0 = (-1, 10), b_0 = -5.32, a = (1, 1): z(0) = 3.68, R = -0.96 + 2.8 = 1.84, so the
        // line's root is 2. Dimension 0 closes at 1/0.96 = 1.04, freezing its rising term -1 (1 - 0.96 alpha) at 0;
        // after that z(alpha) = -5.32 + 10 (1 - 0.28 alpha), whose root 4.68 / 2.8 = 1.671 comes first.
        Head head = new Head(new float[][] {{-1f, 10f}, {0f, 0f}}, new float[] {-5.32f, 0f});
        Sae sae = new Sae(SaeKind.LINEAR, new float[][] {{1f, 0f}}, new float[1], new float[][] {{0.96f}, {0.28f}},
                new float[2], 1f, 0);
        AlphaCrit crit = AlphaCrit.of(EditPath.of(head, sae, EditTemplate.suppress(0, EditMethod.SALVE))
                .trace(new float[] {1, 1}), 0, 10);
        assertEquals(2.0, crit.analytic(), 1e-5);
        assertEquals(4.68 / 2.8, crit.numeric(), 1e-5);
    }

    @Test
    void salveEstimatesCoincideWhenTheRootPrecedesTheFirstGate() {
        Random rng = new Random(34);
        Head head = Fixtures.randomHead(rng, 6, M);
        int coincide = 0;
        for (int l = 0; l < 8; l++) {
            Sae sae = Fixtures.randomSae(rng, SaeKind.LINEAR, M, 8);
            EditPath path = EditPath.of(head, sae, EditTemplate.suppress(l, EditMethod.SALVE));
            double firstGate = 1 / maxGate(sae, l);
            for (float[] a : Fixtures.randomActs(rng, 500, M, true)) {
                int k = head.predict(a);
                AlphaCrit crit = AlphaCrit.of(path.trace(a), k, 1e6);
                if (crit.analytic() <= firstGate) {
                    coincide++;
                    assertEquals(crit.analytic(), crit.numeric(), 1e-12 * crit.analytic());
                }
            }
        }
        assertTrue(coincide > 20, "coincide " + coincide);
    }
}
