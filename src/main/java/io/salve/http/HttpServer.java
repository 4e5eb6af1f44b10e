package io.salve.http;

import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Binds the service's routes. On coordinated shutdown the port is unbound (service-unbind), then requests in flight
 * get until the hard deadline to finish before their connections close (service-requests-done).
 */
public final class HttpServer {

    /** Inside the 5 s that Pekko's service-requests-done phase allows by default. */
    public static final Duration HARD_DEADLINE = Duration.ofSeconds(4);

    private HttpServer() {
    }

    /** Binds now (failing if the port is taken). */
    public static ServerBinding start(ActorSystem<?> system, Route routes, String host, int port) {
        return Http.get(system).newServerAt(host, port).bind(routes).toCompletableFuture().join()
                .addToCoordinatedShutdown(HARD_DEADLINE, system);
    }
}
