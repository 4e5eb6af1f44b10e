package io.salve.core.diagnose;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.Head;
import io.salve.core.SalveException;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EditPreviewTest {

    private final Synthetic world = new Synthetic(61);
    /** Unselected samples: some start wrong, so an edit can also make predictions right. */
    private final Synthetic.Data data = world.sample(new Random(62), 400, false);
    /** Edits already in force that the previewed one goes on top of. */
    private final EditSet active = EditSet.of(new Edit(3, EditMethod.SALVE, Direction.SUPPRESS, 0.5, List.of()),
            new Edit(2, EditMethod.PROJECTION, Direction.ENHANCE, 0.3, List.of(1, 2)));

    @Test
    void agreesWithApplyingTheEditAndPredictingAgain() {
        Head served = active.apply(world.head, world.sae);
        int flips = 0;
        for (EditMethod method : EditMethod.values()) {
            for (Direction direction : Direction.values()) {
                for (List<Integer> rows : List.of(List.<Integer>of(), List.of(0, 3))) {
                    for (double alpha : new double[] {0, 0.4, 1, 2.5, 9}) {
                        Edit edit = new Edit(0, method, direction, alpha, rows);
                        EditPreview preview = EditPreview.of(served, world.sae, edit, 1000, data.acts(),
                                data.labels());
                        Head edited = active.with(edit).apply(world.head, world.sae);
                        int[] support = new int[Synthetic.CLASSES];
                        int[] before = new int[Synthetic.CLASSES];
                        int[] after = new int[Synthetic.CLASSES];
                        int[] changed = new int[Synthetic.CLASSES];
                        for (int n = 0; n < data.acts().length; n++) {
                            int label = data.labels()[n];
                            int was = served.predict(data.acts()[n]);
                            int is = edited.predict(data.acts()[n]);
                            support[label]++;
                            before[label] += was == label ? 1 : 0;
                            after[label] += is == label ? 1 : 0;
                            changed[label] += is != was ? 1 : 0;
                        }
                        String where = edit.toString();
                        assertArrayEquals(support, preview.support(), where);
                        assertArrayEquals(before, preview.correctBefore(), where);
                        assertArrayEquals(after, preview.correctAfter(), where);
                        assertArrayEquals(changed, preview.changed(), where);
                        for (int c = 0; c < Synthetic.CLASSES; c++) {
                            if (method == EditMethod.SALVE) {
                                // A closed gate can hand the prediction back, so flips only bound the changes.
                                assertTrue(preview.flipped()[c] >= changed[c], where + " class " + c);
                            } else {
                                assertEquals(changed[c], preview.flipped()[c], where + " class " + c);
                            }
                            flips += preview.flipped()[c];
                        }
                    }
                }
            }
        }
        assertTrue(flips > 200, "the edits flip predictions: " + flips);
    }

    @Test
    void suppressingAClassesFeatureLowersItsPredictedAccuracyOnly() {
        Head served = active.apply(world.head, world.sae);
        EditPreview preview = EditPreview.of(served, world.sae,
                new Edit(1, EditMethod.RANK1, Direction.SUPPRESS, 1, List.of(1)), 1000, data.acts(), data.labels());
        assertTrue(preview.accuracyAfter(1) < preview.accuracyBefore(1) - 0.3,
                preview.accuracyBefore(1) + " -> " + preview.accuracyAfter(1));
        assertTrue(preview.overallAfter() < preview.overallBefore());
    }

    @Test
    void rejectsWhatTheRegistryWouldReject() {
        Head served = active.apply(world.head, world.sae);
        SalveException alpha = assertThrows(SalveException.class, () -> EditPreview.of(served, world.sae,
                new Edit(0, EditMethod.SALVE, Direction.SUPPRESS, 1001, List.of()), 1000, data.acts(), data.labels()));
        assertEquals("BAD_ALPHA", alpha.code());
        SalveException feature = assertThrows(SalveException.class, () -> EditPreview.of(served, world.sae,
                new Edit(Synthetic.LATENTS, EditMethod.SALVE, Direction.SUPPRESS, 1, List.of()), 1000, data.acts(),
                data.labels()));
        assertEquals("UNKNOWN_FEATURE", feature.code());
    }
}
