package io.salve.core.diagnose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditTemplate;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SweepTest {

    private final Synthetic world = new Synthetic(51);

    @Test
    void accuracyIsTheFractionOfSamplesNotYetFlipped() {
        // Every sample starts correct. Under RANK1 and PROJECTION a flipped sample never comes back (its logit gaps
        // are lines), so class c's accuracy at alpha is exactly its share of samples with alpha_flip > alpha. Under
        // SALVE a gap can close and reopen once gates shut, so that share is only a lower bound; the exact count is
        // the samples whose on-top intervals contain alpha.
        Synthetic.Data data = world.sample(new Random(52), 400, true);
        for (EditMethod method : EditMethod.values()) {
            EditTemplate edit = EditTemplate.suppress(0, method);
            EditPath path = EditPath.of(world.head, world.sae, edit);
            AlphaFlip[] flips = AlphaFlip.batch(path, data.acts());
            double[] finite = Arrays.stream(flips).mapToDouble(AlphaFlip::alpha).filter(Double::isFinite).sorted()
                    .toArray();
            assertTrue(finite.length > 40, method.id() + " flips " + finite.length);
            double[] alphas = new double[11];
            for (int q = 1; q < alphas.length; q++) {
                alphas[q] = finite[finite.length * (q - 1) / (alphas.length - 1)] * 1.001;
            }
            Sweep sweep = Sweep.run(world.head, world.sae, edit, alphas, data.acts(), data.labels());
            for (int a = 0; a < alphas.length; a++) {
                int[] notFlipped = new int[Synthetic.CLASSES];
                int[] onTop = new int[Synthetic.CLASSES];
                for (int n = 0; n < flips.length; n++) {
                    int c = data.labels()[n];
                    notFlipped[c] += flips[n].alpha() > alphas[a] ? 1 : 0;
                    for (double[] run : path.trace(data.acts()[n]).topIntervals(c)) {
                        onTop[c] += run[0] <= alphas[a] && alphas[a] < run[1] ? 1 : 0;
                    }
                }
                for (int c = 0; c < Synthetic.CLASSES; c++) {
                    String where = method.id() + " class " + c + " alpha " + alphas[a];
                    double accuracy = sweep.accuracy()[a][c];
                    double flipShare = (double) notFlipped[c] / sweep.support()[c];
                    assertEquals((double) onTop[c] / sweep.support()[c], accuracy, 1e-12, where);
                    if (method == EditMethod.SALVE) {
                        assertTrue(accuracy >= flipShare, where);
                    } else {
                        assertEquals(flipShare, accuracy, 1e-12, where);
                    }
                }
            }
        }
    }

    @Test
    void reportsPerClassTargetAndOffTargetCurves() {
        Synthetic.Data data = world.sample(new Random(53), 200, false);
        double[] alphas = {0, 0.5, 2};
        Sweep sweep = Sweep.run(world.head, world.sae, EditTemplate.suppress(1, EditMethod.RANK1), alphas,
                data.acts(), data.labels());
        int correct = 0;
        for (int n = 0; n < data.acts().length; n++) {
            correct += world.head.predict(data.acts()[n]) == data.labels()[n] ? 1 : 0;
        }
        assertEquals((double) correct / data.acts().length, sweep.overall()[0], 1e-12);
        assertEquals(50, sweep.support()[1]);
        for (int a = 0; a < alphas.length; a++) {
            assertEquals(sweep.accuracy()[a][1], sweep.classAccuracy(1)[a]);
            double off = (sweep.accuracy()[a][0] + sweep.accuracy()[a][2] + sweep.accuracy()[a][3]) / 3;
            assertEquals(off, sweep.meanOffTarget(1)[a], 1e-12);
        }
    }

    @Test
    void classesWithoutSamplesHaveNoAccuracy() {
        Synthetic.Data data = world.sample(new Random(54), 20, false);
        int[] labels = data.labels().clone();
        for (int n = 0; n < labels.length; n++) {
            labels[n] = labels[n] == 3 ? 2 : labels[n];
        }
        Sweep sweep = Sweep.run(world.head, world.sae, EditTemplate.suppress(0, EditMethod.SALVE), new double[] {0, 1},
                data.acts(), labels);
        assertTrue(Double.isNaN(sweep.accuracy()[1][3]));
        assertTrue(Double.isFinite(sweep.meanOffTarget(0)[1]));
    }
}
