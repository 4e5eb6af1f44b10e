package io.salve.http;

import com.typesafe.config.Config;
import io.salve.core.SalveException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Binds the service's routes, over HTTPS when {@code salve.http.tls.keystore} names a PKCS12 keystore. On coordinated
 * shutdown the port is unbound (service-unbind), then requests in flight get until the hard deadline to finish before
 * their connections close (service-requests-done).
 */
public final class HttpServer {

    /** Inside the 5 s that Pekko's service-requests-done phase allows by default. */
    public static final Duration HARD_DEADLINE = Duration.ofSeconds(4);

    private HttpServer() {
    }

    /** Binds now (failing if the port is taken), with the TLS settings of the system's {@code salve.http.tls}. */
    public static ServerBinding start(ActorSystem<?> system, Route routes, String host, int port) {
        ServerBuilder server = Http.get(system).newServerAt(host, port);
        Config config = system.settings().config();
        if (config.hasPath("salve.http.tls.keystore") && !config.getString("salve.http.tls.keystore").isBlank()) {
            server = server.enableHttps(ConnectionContext.httpsServer(sslContext(
                    Path.of(config.getString("salve.http.tls.keystore")),
                    config.getString("salve.http.tls.password").toCharArray())));
        }
        return server.bind(routes).toCompletableFuture().join().addToCoordinatedShutdown(HARD_DEADLINE, system);
    }

    /** The server's key and certificate chain from a PKCS12 keystore. */
    static SSLContext sslContext(Path keystore, char[] password) {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new SalveException("BAD_CONFIG", "salve.http.tls.keystore " + keystore + ": cannot use it as a "
                    + "PKCS12 keystore with the configured password (salve.http.tls.password): " + e.getMessage(), e);
        }
    }
}
