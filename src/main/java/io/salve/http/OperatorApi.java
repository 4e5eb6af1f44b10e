package io.salve.http;

import io.salve.edits.EditRegistryClient;
import io.salve.serve.InferenceService;
import io.salve.wire.RequestCodec;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The operator HTTP API under {@code /v1} for one served model: its features, its edit registry and synchronous
 * inference, each resource a routes class of its own; {@code openapi/operator-api.json} (served at
 * {@code /v1/openapi.json}) documents every route and error code.
 *
 * <p>Every error is {@code {"error": {"code", "message"}}} with a stable code, Pekko's own rejections included
 * ({@link ApiErrors}). Every route takes an optional {@code ?model=}; another model's name is 404 UNKNOWN_MODEL.
 */
public final class OperatorApi extends AllDirectives {

    private final String model;
    private final ApiErrors errors;
    private final Route resources;

    /**
     * @param edits    the model's edit registry
     * @param maps     the Grad-FAM maps of its features
     * @param codec    decodes /v1/infer bodies exactly as Kafka requests
     * @param infer    answers one decoded request (the replica pool)
     * @param blocking runs previews (CPU work of up to a second) off Pekko's dispatcher
     */
    public OperatorApi(ServedModel model, EditRegistryClient edits, GradFamMaps maps, RequestCodec codec, InferenceService infer,
                       Executor blocking, ApiSettings settings) {
        this.model = model.name();
        this.errors = new ApiErrors(settings.maxBodyBytes());
        BearerAuth auth = new BearerAuth(ApiTokens.of(settings.token(), settings.tokensFile()),
                settings.protectReads());
        RequestBodies bodies = new RequestBodies(settings.maxBodyBytes(), errors);
        this.resources = concat(
                new DocsRoutes(auth).routes(),
                new FeatureRoutes(model, maps, auth).routes(),
                new EditRoutes(model.name(), edits, new Previews(model, edits, blocking, settings.maxAlpha()), auth,
                        bodies).routes(),
                new InferRoutes(codec, infer, settings.inferTimeout(), auth, bodies).routes());
    }

    public Route routes() {
        return pathPrefix("v1", () -> handleExceptions(errors.exceptions(), () ->
                handleRejections(ApiErrors.rejections(), () -> parameterOptional("model", named ->
                        named.isPresent() && !named.get().equals(model)
                                ? failWith(new ApiException("UNKNOWN_MODEL", "this service serves model \"" + model
                                        + "\", not \"" + named.get() + "\""))
                                : resources))));
    }
}
