package io.salve.serve;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The models the service serves, by name: the edges route every request by its {@code model} (absent: the default
 * model) and the operator API loads and unloads models through it.
 */
public interface ModelDirectory {

    /** The model of requests that name none ({@code salve.bundle}'s, or the only one). */
    String defaultModel();

    /** The model of that name, if it is being served ({@code null}: the default model). */
    Optional<ModelEndpoint> find(String name);

    /**
     * Answers a decoded request with its model ({@link InferenceRequest#model()}); {@code UNKNOWN_MODEL} when that
     * model was unloaded since the request was decoded.
     */
    default CompletionStage<InferenceResult> infer(InferenceRequest request) {
        return find(request.model()).map(m -> m.infer(request)).orElseGet(() -> CompletableFuture.completedFuture(
                InferenceResult.failure(request.id(), request.model(), "UNKNOWN_MODEL", "model \"" + request.model()
                        + "\" is not being served")));
    }

    /** Every model served now, by name. */
    List<ModelEndpoint> models();

    /**
     * Loads the bundle in {@code dir} (under the repository directory; {@code null}: the repository's sub-directory
     * {@code name}) as model {@code name}, and serves it once its replicas are loaded and warmed up. If the name is
     * being served the old version keeps answering until the new one is ready, then is unloaded (load before unload).
     * Fails with a {@link io.salve.core.SalveException}: {@code BAD_MODEL_PATH}, {@code BUNDLE_NOT_FOUND},
     * {@code NO_REPOSITORY}, ...
     */
    CompletionStage<ModelEndpoint> load(String name, Path dir);

    /**
     * Stops serving {@code name}: new requests to it are refused with {@code UNKNOWN_MODEL}, the ones already queued
     * are answered, then its replicas stop. Fails with {@code UNKNOWN_MODEL} when it is not served.
     */
    CompletionStage<Void> unload(String name);
}
