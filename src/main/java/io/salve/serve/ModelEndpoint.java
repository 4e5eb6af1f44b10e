package io.salve.serve;

import io.salve.model.InputSpec;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One served model as the request edges (Kafka, {@code /v1}, {@code /v2}) see it: what it takes and answers, whether
 * it is ready, and how to ask it.
 */
public interface ModelEndpoint {

    /** The name requests give in {@code model} (the bundle directory's name). */
    String name();

    /** Which load of the model this is, "1", "2", ...: a reloaded bundle is a new version. */
    String version();

    /** The bundle's input: shape {@code [C, H, W]}, normalisation and resize policy. */
    InputSpec input();

    List<String> classNames();

    /** Every replica of this version loaded, and the model not being unloaded. */
    boolean ready();

    /**
     * Answers one decoded request of this model ({@link InferenceRequest#model()} is this model's name). Completes
     * with an error result (never exceptionally) when the model is being unloaded: {@code MODEL_UNLOADING}.
     */
    CompletionStage<InferenceResult> infer(InferenceRequest request);
}
