package io.salve.serve;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * The answer to one {@link InferenceRequest}: either a prediction or an error with a stable code.
 *
 * @param model         the model that answered (null when the request was refused before its model was known)
 * @param prediction    predicted class index (null on error)
 * @param probabilities softmax over the edited head's logits (null on error)
 * @param editVersion   the edit-set version the prediction was computed with (0 = unedited)
 * @param replica       which replica answered, e.g. "cpu-0"
 * @param timings       queue, model and total milliseconds
 * @param error         null on success
 * @param observed      latents and diagnostics for the telemetry and diagnostics topics (not part of the result
 *                      record; null when not computed)
 */
public record InferenceResult(String id, String model, Integer prediction, String className, List<Float> probabilities,
                              Long editVersion, String replica, Timings timings, Integer label, Error error,
                              @JsonIgnore Observation observed) {

    /** Where the time went for one request, in milliseconds. */
    public record Timings(double queueMs, double modelMs, double totalMs) {
    }

    /** A failed request: a stable machine-readable code and a human-readable message. */
    public record Error(String code, String message) {
    }

    public static InferenceResult failure(String id, String model, String code, String message) {
        return new InferenceResult(id, model, null, null, null, null, null, null, null, new Error(code, message), null);
    }

    public boolean failed() {
        return error != null;
    }
}
