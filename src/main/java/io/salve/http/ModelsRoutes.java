package io.salve.http;

import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/models}: the served models ({@code GET}), and loading ({@code POST /v1/models/{model}}, body
 * {@code {"bundle": DIR}} or none for the repository's {@code {model}} directory) or unloading
 * ({@code DELETE /v1/models/{model}}) one while serving; changes need the operator role.
 */
final class ModelsRoutes extends AllDirectives {

    /** The body of a load: the bundle directory, under the repository directory (null: its {@code {model}}). */
    record LoadBody(String bundle) {
    }

    private record Listing(String defaultModel, List<ModelView> models) {
    }

    private final ModelAdmin admin;
    private final String defaultModel;
    private final BearerAuth auth;
    private final RequestBodies bodies;

    ModelsRoutes(ModelAdmin admin, String defaultModel, BearerAuth auth, RequestBodies bodies) {
        this.admin = admin;
        this.defaultModel = defaultModel;
        this.auth = auth;
        this.bodies = bodies;
    }

    Route routes() {
        return pathPrefix("models", () -> concat(
                pathEnd(() -> get(() -> auth.read(() -> onSuccess(admin::describe, models -> complete(StatusCodes.OK,
                        new Listing(defaultModel, models), Json.marshaller()))))),
                path(PathMatchers.segment(), name -> concat(
                        get(() -> auth.read(() -> onSuccess(admin::describe, models -> models.stream()
                                .filter(m -> m.name().equals(name)).findFirst()
                                .<Route>map(m -> complete(StatusCodes.OK, m, Json.marshaller()))
                                .orElseGet(() -> failWith(new ApiException("UNKNOWN_MODEL", "model \"" + name
                                        + "\" is not being served")))))),
                        post(() -> auth.change(() -> bodies.bytes(bytes -> {
                            LoadBody body = bytes.length == 0 ? new LoadBody(null) : Json.parse(bytes, LoadBody.class);
                            return onSuccess(() -> admin.load(name, body.bundle()), view -> complete(
                                    StatusCodes.OK, view, Json.marshaller()));
                        }))),
                        delete(() -> auth.change(() -> onSuccess(() -> admin.unload(name), done -> complete(
                                StatusCodes.OK, Map.of("unloaded", name), Json.marshaller()))))))));
    }
}
