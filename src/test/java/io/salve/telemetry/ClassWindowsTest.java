package io.salve.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditSet;
import io.salve.core.edit.Fixtures;
import io.salve.kafka.JsonSchemas;
import io.salve.serve.InferenceResult;
import io.salve.serve.Observation;
import io.salve.serve.ServingHead;
import io.salve.serve.SuppressionProbe;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassWindowsTest {

    static final int CLASSES = 3;
    static final int DIM = 10;
    static final Random RNG = new Random(5);
    static final Head BASE = Fixtures.randomHead(RNG, CLASSES, DIM);
    static final Sae SAE = Fixtures.randomSae(RNG, SaeKind.RELU, DIM, 4);
    static final float[][] HELD_OUT = Fixtures.randomActs(RNG, 3000, DIM, true);
    static final ServingHead HEAD = ServingHead.of(BASE, SAE,
            EditSet.of(new Edit(2, EditMethod.SALVE, Direction.SUPPRESS, 0.7, List.of())), 4).withReferences(HELD_OUT);
    static final SuppressionProbe PROBE = HEAD.suppressions().get(0);
    static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(
            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);

    static InferenceResult served(String id, float[] a, Integer label) {
        return served(PROBE, id, a, label);
    }

    static InferenceResult served(SuppressionProbe probe, String id, float[] a, Integer label) {
        Observation.Diagnosis d = probe.diagnose(a);
        return new InferenceResult(id, "m", HEAD.head().predict(a), "c", List.of(), HEAD.version(), "cpu", null, label,
                null, new Observation(null, null, BASE.predict(a), List.of(d)));
    }

    @Test
    void countsFlipsNearCriticalSamplesAndLabelledAccuracyPerClass() throws Exception {
        ClassWindows windows = new ClassWindows("m", CLASSES, 0.2, 50, Instant.EPOCH);
        float[][] live = Fixtures.randomActs(new Random(9), 500, DIM, true);
        int[] flipped = new int[CLASSES];
        int[] samples = new int[CLASSES];
        int[] labelled = new int[CLASSES];
        int[] correct = new int[CLASSES];
        int[] uneditedCorrect = new int[CLASSES];
        for (int n = 0; n < live.length; n++) {
            float[] a = live[n];
            int was = BASE.predict(a);
            int label = n % 4 == 0 ? (n / 4) % CLASSES : was;   // mostly right, some wrong labels
            samples[was]++;
            flipped[was] += HEAD.head().predict(a) != was ? 1 : 0;
            labelled[label]++;
            correct[label] += HEAD.head().predict(a) == label ? 1 : 0;
            uneditedCorrect[label] += was == label ? 1 : 0;
            windows.add(served("r" + n, a, label));
        }
        List<ClassWindows.ClassRecord> records = windows.close(Instant.EPOCH.plusSeconds(10));
        assertEquals(CLASSES, records.size());
        for (ClassWindows.ClassRecord r : records) {
            JsonSchemas.DIAGNOSTICS.assertValid(JSON.writeValueAsBytes(r));
            int k = r.cls();
            assertEquals(4, r.editVersion());
            assertEquals(samples[k], r.requests());
            ClassWindows.EditStats s = r.suppressions().get(0);
            assertEquals(samples[k], s.samples());
            assertEquals(flipped[k], s.flipped());
            assertEquals((double) correct[k] / labelled[k], r.accuracy().edited(), 1e-12);
            assertEquals((double) uneditedCorrect[k] / labelled[k], r.accuracy().unedited(), 1e-12);
        }
        assertTrue(windows.close(Instant.EPOCH.plusSeconds(20)).isEmpty(), "a new window starts empty");
    }

    @Test
    void driftIsFlaggedWhenTrafficMovesToTheFragileSamplesAndNotForHeldOutLikeTraffic() {
        ClassWindows same = new ClassWindows("m", CLASSES, 0.2, 50, Instant.EPOCH);
        ClassWindows fragile = new ClassWindows("m", CLASSES, 0.2, 50, Instant.EPOCH);
        float[][] fresh = Fixtures.randomActs(new Random(21), 3000, DIM, true);
        for (int n = 0; n < fresh.length; n++) {
            same.add(served("s" + n, fresh[n], null));
        }
        // Only the held-out samples that flip below the class's median: a shift toward fragile inputs.
        for (int n = 0; n < HELD_OUT.length; n++) {
            Observation.Diagnosis d = PROBE.diagnose(HELD_OUT[n]);
            double[] ref = PROBE.reference()[d.predicted()];
            if (d.alphaFlip() < ref[ref.length / 2]) {
                fragile.add(served("f" + n, HELD_OUT[n], null));
            }
        }
        List<ClassWindows.Drift> calm = new ArrayList<>();
        same.close(Instant.EPOCH.plusSeconds(1)).forEach(r -> calm.add(r.suppressions().get(0).drift()));
        List<ClassWindows.Drift> moved = new ArrayList<>();
        fragile.close(Instant.EPOCH.plusSeconds(1)).forEach(r -> moved.add(r.suppressions().get(0).drift()));
        assertFalse(calm.isEmpty());
        for (ClassWindows.Drift d : calm) {
            assertNotNull(d);
            assertFalse(d.drifted(), "same distribution: " + d);
        }
        for (ClassWindows.Drift d : moved) {
            assertNotNull(d);
            assertTrue(d.drifted() && d.distance() > 0.4, "fragile half: " + d);
        }
    }

    @Test
    void requestsServedBeforeTheReferenceIsBuiltSayItAndGetNoDriftUntilItIs() throws Exception {
        SuppressionProbe early = ServingHead.of(BASE, SAE, HEAD.edits(), HEAD.version()).suppressions().get(0);
        assertFalse(early.referenceReady());
        float[][] live = Fixtures.randomActs(new Random(31), 1000, DIM, true);
        ClassWindows before = new ClassWindows("m", CLASSES, 0.2, 50, Instant.EPOCH);
        ClassWindows during = new ClassWindows("m", CLASSES, 0.2, 50, Instant.EPOCH);
        for (int n = 0; n < live.length; n++) {
            before.add(served(early, "e" + n, live[n], null));
            // The same version, first without, then with the reference (as the swapper serves them).
            during.add(served(n < 100 ? early : PROBE, "d" + n, live[n], null));
        }
        for (ClassWindows.ClassRecord r : before.close(Instant.EPOCH.plusSeconds(1))) {
            JsonSchemas.DIAGNOSTICS.assertValid(JSON.writeValueAsBytes(r));
            ClassWindows.EditStats s = r.suppressions().get(0);
            assertFalse(s.referenceReady());
            assertNull(s.drift(), "no drift without a reference");
            assertTrue(s.samples() > 0);
        }
        for (ClassWindows.ClassRecord r : during.close(Instant.EPOCH.plusSeconds(1))) {
            ClassWindows.EditStats s = r.suppressions().get(0);
            assertTrue(s.referenceReady(), "the window compares against the reference once it exists");
            assertNotNull(s.drift());
        }
    }
}
