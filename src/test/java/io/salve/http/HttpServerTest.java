package io.salve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Shutting the service down answers the requests already in flight and takes no new ones. */
class HttpServerTest extends AllDirectives {

    private final ActorTestKit kit = ActorTestKit.create();

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void aRequestInFlightIsAnsweredDuringShutdown() throws Exception {
        CompletableFuture<Void> arrived = new CompletableFuture<>();
        CompletableFuture<String> answer = new CompletableFuture<>();
        Route slow = path("slow", () -> get(() -> {
            arrived.complete(null);
            return completeOKWithFutureString(answer);
        }));
        ServerBinding binding = HttpServer.start(kit.system(), slow, "127.0.0.1", 0);
        URI uri = URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/slow");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        arrived.get(10, TimeUnit.SECONDS);
        CoordinatedShutdown.get(kit.system()).runAll(CoordinatedShutdown.unknownReason());
        // Answered only once the server has stopped taking connections and waits for this one.
        binding.whenTerminationSignalIssued().toCompletableFuture().get(10, TimeUnit.SECONDS);
        answer.complete("done");

        HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        assertEquals("done", response.body());
        binding.whenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        IOException refused = assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
        assertEquals(ConnectException.class, refused.getClass(), refused.toString());
    }
}
