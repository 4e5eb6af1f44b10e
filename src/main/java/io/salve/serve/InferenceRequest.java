package io.salve.serve;

import java.util.Objects;

/**
 * One image to classify, decoded and validated at the edge (Kafka, HTTP).
 *
 * @param id           the client's request id, echoed in the result
 * @param model        the model that answers it (the name the request gave, or the default model's)
 * @param pixels       intensities in [0, 1], channel-first, exactly the bundle's input shape
 * @param label        the true class when the client knows it (for accuracy telemetry), else null
 * @param receivedNanos {@link System#nanoTime()} when the edge received it, for queue-time measurements
 */
public record InferenceRequest(String id, String model, float[] pixels, Integer label, long receivedNanos) {

    public InferenceRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(pixels, "pixels");
    }
}
