package io.salve.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.Head;
import io.salve.core.Progress;
import io.salve.core.Sae;
import io.salve.core.SaeConfig;
import io.salve.core.SaeKind;
import io.salve.core.diagnose.Suppression;
import io.salve.core.diagnose.TargetAlpha;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditTemplate;
import io.salve.core.edit.RowScope;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SaeStudyTest {

    private static final int CLASSES = 3;
    private static final int DIM = 6;
    private static final List<String> NAMES = List.of("a", "b", "c");

    /**
     * Class c is carried by activation dimensions 2c and 2c+1, each sample by one of them or both; the SAE is the
     * identity (so every dimension is a feature) and the head sums each class's two dimensions.
     */
    private final Random rng = new Random(5);
    private final float[][] acts = new float[90][DIM];
    private final int[] labels = new int[90];
    private final Head head;
    private final Sae sae;

    SaeStudyTest() {
        for (int n = 0; n < acts.length; n++) {
            int c = n % CLASSES;
            labels[n] = c;
            int kind = (n / CLASSES) % 3;
            for (int j = 0; j < DIM; j++) {
                acts[n][j] = (float) Math.abs(0.2 * rng.nextGaussian());
            }
            acts[n][2 * c] += kind != 1 ? 2 : 0;
            acts[n][2 * c + 1] += kind != 0 ? 2 : 0;
        }
        float[][] w = new float[CLASSES][DIM];
        float[][] identity = new float[DIM][DIM];
        for (int c = 0; c < CLASSES; c++) {
            w[c][2 * c] = 1;
            w[c][2 * c + 1] = 1;
        }
        for (int j = 0; j < DIM; j++) {
            identity[j][j] = 1;
        }
        head = new Head(w, new float[CLASSES]);
        sae = new Sae(SaeKind.LINEAR, identity, new float[DIM], identity, new float[DIM], 1, 0);
    }

    @Test
    void theTableIsWhatTheSearchesFindOneByOne() {
        SaeStudy.Settings settings = new SaeStudy.Settings(List.of(EditMethod.RANK1, EditMethod.SALVE),
                List.of(RowScope.ALL, RowScope.CLASS), 3, 1000);
        SaeConfig config = new SaeConfig(SaeKind.LINEAR, DIM, 0.1, 0, 1, 1);
        SaeStudy.Row row = SaeStudy.measure("identity", config, sae, head, acts, labels, NAMES, settings,
                Progress.NONE);

        assertEquals(0, row.fvu(), 1e-9);
        assertEquals(0, row.deadLatents());
        for (EditMethod method : settings.methods()) {
            for (RowScope scope : settings.scopes()) {
                String key = method.id() + "/" + scope.id();
                int single = 0;
                int multi = 0;
                int strict = 0;
                for (int k = 0; k < CLASSES; k++) {
                    // Each class's dominant feature, by hand: the larger of its two dimensions' class means.
                    int dominant = mean(k, 2 * k) >= mean(k, 2 * k + 1) ? 2 * k : 2 * k + 1;
                    TargetAlpha t = TargetAlpha.find(head, sae, new EditTemplate(dominant, method,
                            io.salve.core.edit.Direction.SUPPRESS, scope.rows(k)), k, 0.05, 1000, acts, labels);
                    single += t.reached() && t.offTargetChange() >= -2 ? 1 : 0;
                    Suppression s = Suppression.find(head, sae, new Suppression.Plan(k, List.of(2 * k, 2 * k + 1,
                            (2 * k + 2) % DIM), method, scope.rows(k), 0.05, 2, 3), 1000, acts, labels);
                    multi += s.clean(2) ? 1 : 0;
                    Suppression st = Suppression.find(head, sae, new Suppression.Plan(k, List.of(2 * k, 2 * k + 1,
                            (2 * k + 2) % DIM), method, scope.rows(k), 0.02, 1, 3), 1000, acts, labels);
                    strict += st.clean(1) && st.offTargetChange() <= 1 ? 1 : 0;
                }
                assertEquals(single, row.clean().get("dominant-1").get(key), key);
                assertEquals(multi, row.clean().get("selective-3").get(key), key);
                assertEquals(strict, row.strict().get(key), key);
            }
        }
        // Two features always suppress a class on its own row.
        assertEquals(CLASSES, row.clean().get("selective-3").get("rank1/class"));
        assertTrue(SaeStudy.markdown(new SaeStudy.Table("b", CLASSES, settings, "selective-3",
                SaeStudy.Target.CLEAN, SaeStudy.Target.STRICT, List.of(row))).contains("| identity | 0.0000 |"));
    }

    private double mean(int cls, int dim) {
        double sum = 0;
        int count = 0;
        for (int n = 0; n < acts.length; n++) {
            if (labels[n] == cls) {
                sum += acts[n][dim];
                count++;
            }
        }
        return sum / count;
    }
}
