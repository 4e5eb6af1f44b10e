package io.salve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.HttpTerminated;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Shutting the service down waits for the requests already in flight and takes no new ones. */
class HttpServerTest extends AllDirectives {

    private final ActorTestKit kit = ActorTestKit.create();

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    /**
     * Checks the server side only: whether the client then reads the whole answer is racy in Pekko HTTP itself (the
     * connection is aborted right after the last response, which can cut it short; akka/akka-http#4060).
     */
    @Test
    void shutdownWaitsForTheRequestInFlightAndRefusesNewConnections() throws Exception {
        CompletableFuture<Void> arrived = new CompletableFuture<>();
        CompletableFuture<String> answer = new CompletableFuture<>();
        Route slow = path("slow", () -> get(() -> {
            arrived.complete(null);
            return completeOKWithFutureString(answer);
        }));
        ServerBinding binding = HttpServer.start(kit.system(), slow, "127.0.0.1", 0);
        URI uri = URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/slow");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        client.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        arrived.get(10, TimeUnit.SECONDS);
        CoordinatedShutdown.get(kit.system()).runAll(CoordinatedShutdown.unknownReason());
        binding.whenTerminationSignalIssued().toCompletableFuture().get(10, TimeUnit.SECONDS);
        CompletionStage<HttpTerminated> terminated = binding.whenTerminated();
        assertFalse(terminated.toCompletableFuture().isDone(), "terminated with a request still being answered");

        answer.complete("done");
        terminated.toCompletableFuture().get(10, TimeUnit.SECONDS);
        IOException refused = assertThrows(IOException.class, () -> client.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString()));
        assertEquals(ConnectException.class, refused.getClass(), refused.toString());
    }
}
