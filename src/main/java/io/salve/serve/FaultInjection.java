package io.salve.serve;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Replica failures on purpose, for load and chaos tests ({@code salve.replicas.fault-injection}); off by default.
 *
 * @param failEvery       0, or N: a replica's model throws on every Nth batch of two or more requests (the count is
 *                        shared by the replica's model instances); the requests of a failed batch are retried alone,
 *                        which never fails, so a correct service loses nothing
 * @param poisonBlankImages a request whose pixels are all equal (a blank image) makes the model throw, alone or in a
 *                        batch: a poison request, answered {@code INFERENCE_FAILED} while its batch-mates are served
 */
public record FaultInjection(int failEvery, boolean poisonBlankImages) {

    public static final FaultInjection NONE = new FaultInjection(0, false);

    public boolean enabled() {
        return failEvery > 0 || poisonBlankImages;
    }

    /** {@code models} unchanged when nothing is injected; otherwise models that fail as configured. */
    public Supplier<BatchModel> wrap(Supplier<BatchModel> models) {
        if (!enabled()) {
            return models;
        }
        AtomicLong batches = new AtomicLong();
        return () -> new Failing(models.get(), this, batches);
    }

    private record Failing(BatchModel model, FaultInjection faults, AtomicLong batches) implements BatchModel {

        @Override
        public List<Output> run(List<float[]> pixels, ServingHead head) {
            if (faults.failEvery() > 0 && pixels.size() > 1 && batches.incrementAndGet() % faults.failEvery() == 0) {
                throw new IllegalStateException("injected replica failure (salve.replicas.fault-injection.fail-every)");
            }
            if (faults.poisonBlankImages() && pixels.stream().anyMatch(Failing::blank)) {
                throw new IllegalStateException("injected poison request: a blank image "
                        + "(salve.replicas.fault-injection.poison-blank-images)");
            }
            return model.run(pixels, head);
        }

        private static boolean blank(float[] image) {
            for (float v : image) {
                if (v != image[0]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
