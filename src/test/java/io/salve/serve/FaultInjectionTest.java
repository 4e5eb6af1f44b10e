package io.salve.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.salve.core.Head;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Injected failures: every Nth batch of several requests, counted across the replica's restarts, never a lone one. */
class FaultInjectionTest {

    static final ServingHead HEAD = ServingHead.unedited(new Head(new float[][] {{1}}, new float[1]));

    @Test
    void offByDefault() {
        Supplier<BatchModel> models = () -> null;
        assertSame(models, FaultInjection.failingEvery(0, models));
    }

    @Test
    void everyThirdBatchOfSeveralFailsAcrossRestartsAndLoneRequestsNever() {
        List<Integer> served = new ArrayList<>();
        Supplier<BatchModel> models = FaultInjection.failingEvery(3, () -> new ReplicaPoolTest.ScriptedModel(
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
}
