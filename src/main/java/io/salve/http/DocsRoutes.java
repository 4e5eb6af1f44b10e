package io.salve.http;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /v1/openapi.json}: the OpenAPI document of every route and error code, served as written. */
final class DocsRoutes extends AllDirectives {

    private final BearerAuth auth;

    DocsRoutes(BearerAuth auth) {
        this.auth = auth;
    }

    Route routes() {
        return path("openapi.json", () -> get(() -> auth.read(() -> getFromResource("openapi/operator-api.json",
                ContentTypes.APPLICATION_JSON))));
    }
}
