package io.salve.serve;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Replica failures on purpose, for load tests ({@code salve.replicas.fault-injection.fail-every}): a replica's model
 * throws on every Nth batch of two or more requests. The count survives the replica's restarts, and the requests of
 * a failed batch are retried alone, which never fails: a correct service loses nothing.
 */
public final class FaultInjection {

    private FaultInjection() {
    }

    /** {@code models} unchanged when {@code failEvery} is 0; otherwise models that share one batch count. */
    public static Supplier<BatchModel> failingEvery(int failEvery, Supplier<BatchModel> models) {
        if (failEvery <= 0) {
            return models;
        }
        AtomicLong batches = new AtomicLong();
        return () -> new Failing(models.get(), failEvery, batches);
    }

    private record Failing(BatchModel model, int failEvery, AtomicLong batches) implements BatchModel {

        @Override
        public List<Output> run(List<float[]> pixels, ServingHead head) {
            if (pixels.size() > 1 && batches.incrementAndGet() % failEvery == 0) {
                throw new IllegalStateException("injected replica failure (salve.replicas.fault-injection)");
            }
            return model.run(pixels, head);
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
