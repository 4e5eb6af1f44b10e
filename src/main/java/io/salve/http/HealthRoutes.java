package io.salve.http;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /health/live} (the process answers) and {@code GET /health/ready} (200 when the service can serve:
 * broker reachable, topics present, every replica loaded; 503 with the reasons otherwise).
 */
public final class HealthRoutes extends AllDirectives {

    /** What readiness reports: ready or not, with the details an operator needs. */
    public record Readiness(boolean ready, Map<String, Object> details) {
    }

    private final Supplier<CompletionStage<Readiness>> readiness;

    public HealthRoutes(Supplier<CompletionStage<Readiness>> readiness) {
        this.readiness = readiness;
    }

    public Route routes() {
        return pathPrefix("health", () -> concat(
                path("live", () -> get(() -> complete(StatusCodes.OK, Map.of("status", "live"), Jackson.marshaller()))),
                path("ready", () -> get(() -> onSuccess(readiness.get(), r -> complete(
                        r.ready() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE,
                        Map.of("status", r.ready() ? "ready" : "not ready", "details", r.details()),
                        Jackson.marshaller()))))));
    }
}
