package io.salve.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.salve.core.Head;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Injected failures: every Nth batch of several requests, counted across the replica's restarts, never a lone one;
 * blank images as poison.
 */
class FaultInjectionTest {

    static final ServingHead HEAD = ServingHead.unedited(new Head(new float[][] {{1}}, new float[1]));

    @Test
    void offByDefault() {
        Supplier<BatchModel> models = () -> null;
        assertSame(models, FaultInjection.NONE.wrap(models));
    }

    @Test
    void everyThirdBatchOfSeveralFailsAcrossRestartsAndLoneRequestsNever() {
        List<Integer> served = new ArrayList<>();
        Supplier<BatchModel> models = new FaultInjection(3, false).wrap(() -> new ReplicaPoolTest.ScriptedModel(
                new ArrayList<>(), served, new AtomicInteger()));
        List<float[]> two = List.of(new float[] {1}, new float[] {2});
        List<String> outcomes = new ArrayList<>();
        BatchModel model = models.get();
        for (int batch = 0; batch < 6; batch++) {
            try {
                model.run(two, HEAD);
                outcomes.add("ok");
            } catch (IllegalStateException e) {
                outcomes.add("failed");
                model = models.get();
                model.run(List.of(new float[] {1}), HEAD);
            }
        }
        assertEquals(List.of("ok", "ok", "failed", "ok", "ok", "failed"), outcomes);
        assertEquals(List.of(2, 2, 1, 2, 2, 1), served, "the failed batches' retries, alone, were served");
    }

    @Test
    void aBlankImageIsPoisonAloneOrInABatchAndOthersPass() {
        List<Integer> served = new ArrayList<>();
        BatchModel model = new FaultInjection(0, true).wrap(() -> new ReplicaPoolTest.ScriptedModel(new ArrayList<>(),
                served, new AtomicInteger())).get();
        float[] blank = {0.5f, 0.5f, 0.5f};
        float[] image = {0.5f, 0.6f, 0.5f};
        assertThrows(IllegalStateException.class, () -> model.run(List.of(blank), HEAD));
        assertThrows(IllegalStateException.class, () -> model.run(List.of(image, blank), HEAD));
        assertEquals(2, model.run(List.of(image, image), HEAD).size());
        assertEquals(List.of(2), served);
    }
}
