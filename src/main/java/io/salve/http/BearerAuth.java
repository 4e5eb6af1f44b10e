package io.salve.http;

import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.server.directives.SecurityDirectives.ProvidedCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may do what: changes need {@code Authorization: Bearer <salve.api.token>}; reads too when
 * {@code salve.api.protect-reads} is on. Without a configured token every change is refused: a missing secret must not
 * mean an open door, and a generated one would have to be fished out of the logs.
 */
final class BearerAuth extends AllDirectives {

    static final String REALM = "salve";
    private static final Logger LOG = LoggerFactory.getLogger(BearerAuth.class);
    private static final String NO_TOKEN = "no API token is configured, so what needs one is refused: set "
            + "salve.api.token (or the SALVE_API_TOKEN environment variable) and send it as "
            + "\"Authorization: Bearer <token>\"";

    private final String token;
    private final boolean protectReads;

    BearerAuth(String token, boolean protectReads) {
        this.token = token;
        this.protectReads = protectReads;
        if (token.isEmpty()) {
            LOG.warn("salve.api.token is not set: the operator API refuses every edit (401) until it is; set "
                    + "SALVE_API_TOKEN or salve.api.token");
        }
    }

    /** A route that changes nothing. */
    Route read(Supplier<Route> inner) {
        return protectReads ? change(inner) : inner.get();
    }

    Route change(Supplier<Route> inner) {
        return extractRequest(request -> {
            if (token.isEmpty()) {
                refused(request, NO_TOKEN);
                return failWith(new ApiException("UNAUTHORIZED", NO_TOKEN));
            }
            return authenticateOAuth2(REALM, credentials -> check(request, credentials), operator -> inner.get());
        });
    }

    /** {@link ProvidedCredentials#verify} compares in constant time, so a guess does not learn how much was right. */
    private Optional<String> check(HttpRequest request, Optional<ProvidedCredentials> credentials) {
        boolean valid = credentials.isPresent() && credentials.get().verify(token);
        if (!valid) {
            refused(request, credentials.isEmpty() ? "missing \"Authorization: Bearer <token>\"" : "wrong API token");
        }
        return valid ? Optional.of("operator") : Optional.empty();
    }

    /** Never logs the presented credential, only why it was refused. */
    private static void refused(HttpRequest request, String why) {
        LOG.warn("refused {} {}: {}", request.method().value(), request.getUri().path(), why);
    }
}
