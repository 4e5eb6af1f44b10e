package io.salve.http;

import io.salve.edits.EditRegistryClient;
import io.salve.serve.InferenceResult;
import io.salve.serve.ModelDirectory;
import io.salve.wire.RequestRouter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The operator HTTP API under {@code /v1}: the served models ({@code /v1/models}), synchronous inference, and each
 * model's features and edit registry, each resource a routes class of its own; {@code openapi/operator-api.json}
 * (served at {@code /v1/openapi.json}) documents every route and error code.
 *
 * <p>Every error is {@code {"error": {"code", "message"}}} with a stable code, Pekko's own rejections included
 * ({@link ApiErrors}). Every route takes an optional {@code ?model=} (absent: the default model); a model not being
 * served is 404 UNKNOWN_MODEL. A model's feature and edit routes exist while it is served with an SAE.
 */
public final class OperatorApi extends AllDirectives {

    private final ModelDirectory models;
    private final ApiErrors errors;
    private final BearerAuth auth;
    private final RequestBodies bodies;
    private final ApiSettings settings;
    private final Executor blocking;
    private final Consumer<InferenceResult> answered;
    private final Route shared;
    private final Map<String, Route> perModel = new ConcurrentHashMap<>();

    /**
     * @param models   the served models, by name
     * @param admin    loads and unloads models
     * @param requests decodes /v1/infer bodies exactly as Kafka requests
     * @param blocking runs previews (CPU work of up to a second) off Pekko's dispatcher
     * @param answered told every result answered over HTTP (/v1/infer, each image of a /v2 infer): the metrics and
     *                 windows count them as the Kafka stream's
     */
    public OperatorApi(ModelDirectory models, ModelAdmin admin, RequestRouter requests, Executor blocking,
                       ApiSettings settings, Consumer<InferenceResult> answered) {
        this.models = models;
        this.answered = answered;
        this.settings = settings;
        this.blocking = blocking;
        this.errors = new ApiErrors(settings.maxBodyBytes());
        this.auth = new BearerAuth(ApiTokens.of(settings.token(), settings.tokensFile()), settings.protectReads());
        this.bodies = new RequestBodies(settings.maxBodyBytes(), errors);
        this.shared = concat(
                new DocsRoutes(auth).routes(),
                new ModelsRoutes(admin, models.defaultModel(), auth, bodies).routes(),
                new InferRoutes(requests, models::infer, settings.inferTimeout(), auth, bodies, answered).routes());
    }

    /** Serves {@code model}'s features and edits from now on (replacing an earlier version's). */
    public void serve(ServedModel model, EditRegistryClient edits, GradFamMaps maps) {
        perModel.put(model.name(), concat(
                new FeatureRoutes(model, maps, auth).routes(),
                new EditRoutes(model.name(), edits, new Previews(model, edits, blocking, settings.maxAlpha()), auth,
                        bodies).routes()));
    }

    /** {@code model} was unloaded. */
    public void remove(String model) {
        perModel.remove(model);
    }

    /**
     * The Open Inference Protocol's routes under {@code /v2} over the same models, tokens and limits.
     *
     * @param ready   whether the service can serve ({@code GET /v2/health/ready})
     * @param version what {@code GET /v2} reports as the server's version
     */
    public Route inferenceProtocol(Supplier<CompletionStage<Boolean>> ready, String version) {
        return new InferenceProtocolRoutes(models, auth, settings, ready, version, answered).routes();
    }

    public Route routes() {
        return pathPrefix("v1", () -> handleExceptions(errors.exceptions(), () ->
                handleRejections(ApiErrors.rejections(), () -> concat(shared, parameterOptional("model", named -> {
                    String name = named.orElse(models.defaultModel());
                    Route routes = perModel.get(name);
                    if (routes != null) {
                        return routes;
                    }
                    return models.find(name).isPresent() ? reject()
                            : failWith(new ApiException("UNKNOWN_MODEL", "model \"" + name + "\" is not being served"));
                })))));
    }
}
