package io.salve.http;

import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /metrics}: every metric in the Prometheus text exposition format. */
public final class MetricsRoutes extends AllDirectives {

    private final Supplier<String> scrape;

    public MetricsRoutes(Supplier<String> scrape) {
        this.scrape = scrape;
    }

    public Route routes() {
        return path("metrics", () -> get(() -> complete(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8,
                scrape.get()))));
    }
}
