package io.salve.core.edit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static io.salve.core.edit.Fixtures.assertClose;
import static io.salve.core.edit.Fixtures.toDouble;

import io.salve.core.Head;
import io.salve.core.Maths;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked examples on {@link Fixtures#handHead()} / {@link Fixtures#handSae()}:
 * W = [[1, 2, -1], [0.5, -1, 3]], b = (0.1, -0.2); feature 0 has D[:,0] = d = (0.6, 0, 0.8), E[0,:] = (1, 0, 2),
 * b_e[0] = 0.5, inputScale = 2. Then u = W D[:,0] = (1*0.6 - 1*0.8, 0.5*0.6 + 3*0.8) = (-0.2, 2.7).
 */
class EditMethodsTest {

    private static final double EPS = 1e-6;
    private final Head head = Fixtures.handHead();
    private final Sae sae = Fixtures.handSae();

    private Head apply(EditMethod method, Direction direction, double alpha, Integer... rows) {
        return new Edit(0, method, direction, alpha, List.of(rows)).apply(head, sae);
    }

    private static void assertHead(double[][] w, double[] b, Head actual) {
        for (int i = 0; i < w.length; i++) {
            assertArrayEquals(w[i], toDouble(actual.weight()[i]), EPS, "row " + i);
        }
        assertArrayEquals(b, toDouble(actual.bias()), EPS, "bias");
    }

    @Test
    void salveSuppressScalesByGate() {
        // gates 1 - 0.5 |D[:,0]| = (0.7, 1, 0.6)
        assertHead(new double[][] {{0.7, 2, -0.6}, {0.35, -1, 1.8}}, new double[] {0.1, -0.2},
                apply(EditMethod.SALVE, Direction.SUPPRESS, 0.5));
    }

    @Test
    void salveSuppressClipsAtZero() {
        // gates max(0, 1 - 2 (0.6, 0, 0.8)) = (0, 1, 0)
        assertHead(new double[][] {{0, 2, 0}, {0, -1, 0}}, new double[] {0.1, -0.2},
                apply(EditMethod.SALVE, Direction.SUPPRESS, 2));
    }

    @Test
    void salveEnhanceGrowsGate() {
        // gates 1 + 0.5 (0.6, 0, 0.8) = (1.3, 1, 1.4)
        assertHead(new double[][] {{1.3, 2, -1.4}, {0.65, -1, 4.2}}, new double[] {0.1, -0.2},
                apply(EditMethod.SALVE, Direction.ENHANCE, 0.5));
    }

    @Test
    void salveOnOtherFeature() {
        // D[:,1] = (0, 1, 0): gates (1, 0.5, 1)
        Head edited = new Edit(1, EditMethod.SALVE, Direction.SUPPRESS, 0.5, List.of()).apply(head, sae);
        assertHead(new double[][] {{1, 1, -1}, {0.5, -0.5, 3}}, new double[] {0.1, -0.2}, edited);
    }

    @Test
    void rank1Suppress() {
        // W - u E[0,:]: (1,2,-1) + 0.2 (1,0,2); (0.5,-1,3) - 2.7 (1,0,2). b - u * inputScale * b_e = b - u.
        assertHead(new double[][] {{1.2, 2, -0.6}, {-2.2, -1, -2.4}}, new double[] {0.3, -2.9},
                apply(EditMethod.RANK1, Direction.SUPPRESS, 1));
    }

    @Test
    void rank1SuppressRemovesDecodedContributionOnHandInput() {
        // a = (1,1,1): z_0 = (1 + 2)/2 + 0.5 = 2, c = 2 * 2 * (0.6, 0, 0.8) = (2.4, 0, 3.2), a - c = (-1.4, 1, -2.2);
        // W (a - c) + b = (-1.4 + 2 + 2.2 + 0.1, -0.7 - 1 - 6.6 - 0.2) = (2.9, -8.5).
        Head edited = apply(EditMethod.RANK1, Direction.SUPPRESS, 1);
        assertArrayEquals(new double[] {2.9, -8.5}, edited.logits(new float[] {1, 1, 1}), EPS);
    }

    @Test
    void rank1Enhance() {
        assertHead(new double[][] {{0.8, 2, -1.4}, {3.2, -1, 8.4}}, new double[] {-0.1, 2.5},
                apply(EditMethod.RANK1, Direction.ENHANCE, 1));
    }

    @Test
    void projectionSuppress() {
        // W d = u = (-0.2, 2.7); W - (W d) d^T.
        assertHead(new double[][] {{1.12, 2, -0.84}, {-1.12, -1, 0.84}}, new double[] {0.1, -0.2},
                apply(EditMethod.PROJECTION, Direction.SUPPRESS, 1));
    }

    @Test
    void projectionEnhance() {
        // W + 0.5 (W d) d^T: (1,2,-1) - 0.1 (0.6,0,0.8); (0.5,-1,3) + 1.35 (0.6,0,0.8).
        assertHead(new double[][] {{0.94, 2, -1.08}, {1.31, -1, 4.08}}, new double[] {0.1, -0.2},
                apply(EditMethod.PROJECTION, Direction.ENHANCE, 0.5));
    }

    @Test
    void onlyTargetRowsChange() {
        assertHead(new double[][] {{1, 2, -1}, {-2.2, -1, -2.4}}, new double[] {0.1, -2.9},
                apply(EditMethod.RANK1, Direction.SUPPRESS, 1, 1));
        // An untargeted row is not clipped either.
        assertHead(new double[][] {{0, 2, 0}, {0.5, -1, 3}}, new double[] {0.1, -0.2},
                apply(EditMethod.SALVE, Direction.SUPPRESS, 2, 0));
        assertHead(new double[][] {{1.12, 2, -0.84}, {0.5, -1, 3}}, new double[] {0.1, -0.2},
                apply(EditMethod.PROJECTION, Direction.SUPPRESS, 1, 0));
    }

    @Test
    void alphaZeroIsIdentityAndInputIsUntouched() {
        Head before = head.copy();
        for (EditMethod method : EditMethod.values()) {
            Head edited = apply(method, Direction.SUPPRESS, 0);
            assertHead(toDouble(before.weight()), toDouble(before.bias()), edited);
            apply(method, Direction.SUPPRESS, 3);
        }
        assertHead(toDouble(before.weight()), toDouble(before.bias()), head);
    }

    @Test
    void rank1ExactlyRemovesOrAddsTheDecodedContribution() {
        Random rng = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            Head h = Fixtures.randomHead(rng, 10, 32);
            Sae s = Fixtures.randomSae(rng, SaeKind.LINEAR, 32, 16);
            int l = rng.nextInt(16);
            double alpha = trial % 2 == 0 ? 1 : 0.3;
            Head suppressed = new Edit(l, EditMethod.RANK1, Direction.SUPPRESS, alpha, List.of()).apply(h, s);
            Head enhanced = new Edit(l, EditMethod.RANK1, Direction.ENHANCE, alpha, List.of()).apply(h, s);
            for (float[] a : Fixtures.randomActs(rng, 20, 32, false)) {
                float[] dir = s.direction(l);
                double scale = s.inputScale() * s.encode(a)[l];
                float[] minus = new float[a.length];
                float[] plus = new float[a.length];
                for (int j = 0; j < a.length; j++) {
                    minus[j] = (float) (a[j] - alpha * scale * dir[j]);
                    plus[j] = (float) (a[j] + alpha * scale * dir[j]);
                }
                assertClose(h.logits(minus), suppressed.logits(a), 1e-5);
                assertClose(h.logits(plus), enhanced.logits(a), 1e-5);
            }
        }
    }

    @Test
    void projectionAtOneKillsTheComponentAlongTheFeature() {
        Random rng = new Random(11);
        Head h = Fixtures.randomHead(rng, 10, 64);
        Sae s = Fixtures.randomSae(rng, SaeKind.RELU, 64, 32);
        Head edited = new Edit(5, EditMethod.PROJECTION, Direction.SUPPRESS, 1, List.of()).apply(h, s);
        float[] d = s.direction(5);
        for (float[] row : edited.weight()) {
            assertEquals(0, Maths.dot(row, d), 1e-5);
        }
        for (float[] a : Fixtures.randomActs(rng, 10, 64, false)) {
            float[] moved = a.clone();
            for (int j = 0; j < a.length; j++) {
                moved[j] += 3 * d[j];
            }
            assertClose(edited.logits(a), edited.logits(moved), 1e-4);
        }
    }

    @Test
    void everyMethodMatchesItsFormulaOnRandomHeads() {
        Random rng = new Random(3);
        Head h = Fixtures.randomHead(rng, 6, 20);
        Sae s = Fixtures.randomSae(rng, SaeKind.LINEAR, 20, 12);
        for (EditMethod method : EditMethod.values()) {
            for (Direction direction : Direction.values()) {
                for (List<Integer> rows : List.of(List.<Integer>of(), List.of(1, 4))) {
                    for (double alpha : new double[] {0.2, 1, 4.5}) {
                        Edit edit = new Edit(rng.nextInt(12), method, direction, alpha, rows);
                        Fixtures.Reference ref = Fixtures.Reference.of(h, s, edit);
                        Head edited = edit.apply(h, s);
                        for (int i = 0; i < 6; i++) {
                            assertClose(ref.weight()[i], toDouble(edited.weight()[i]), 1e-5);
                        }
                        assertClose(ref.bias(), toDouble(edited.bias()), 1e-5);
                    }
                }
            }
        }
    }
}
