package io.salve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.HttpTerminated;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void servesHttpsFromAPkcs12KeystoreAndNotPlainHttp(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "salve", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        assertEquals(0, keytool.waitFor(), new String(keytool.getInputStream().readAllBytes()));
        ActorTestKit tls = ActorTestKit.create(ConfigFactory.parseString("salve.http.tls { keystore = \""
                + keystore + "\", password = changeit }").withFallback(ConfigFactory.load()));
        try {
            ServerBinding binding = HttpServer.start(tls.system(), path("ping", () -> get(() -> complete("pong"))),
                    "127.0.0.1", 0);
            int port = binding.localAddress().getPort();
            // The client trusts exactly the self-signed certificate and checks the host name against it.
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                trusted.load(in, "changeit".toCharArray());
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, trust.getTrustManagers(), null);
            HttpResponse<String> pong = HttpClient.newBuilder().sslContext(client).build().send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + port + "/ping")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, pong.statusCode());
            assertEquals("pong", pong.body());
            // A client that does not trust it, and plain HTTP, get nothing.
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + port + "/ping")).build(), HttpResponse.BodyHandlers.ofString()));
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/ping")).timeout(java.time.Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        } finally {
            tls.shutdownTestKit();
        }
    }

    @Test
    void aKeystoreThatCannotBeOpenedIsABadConfig(@TempDir Path dir) throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.p12"), "not a keystore");
        assertEquals("BAD_CONFIG", assertThrows(SalveException.class,
                () -> HttpServer.sslContext(junk, "x".toCharArray())).code());
    }
}
