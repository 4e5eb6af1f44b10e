package io.salve.http;

import io.salve.http.ApiTokens.Holder;
import io.salve.http.ApiTokens.Role;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.server.directives.SecurityDirectives.ProvidedCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may do what: {@code Authorization: Bearer <token>} of a known {@link ApiTokens} holder; changes need the
 * {@code operator} role, reads the {@code viewer} role when {@code salve.api.protect-reads} is on (else none).
 * 401 {@code UNAUTHORIZED} without a known token, 403 {@code FORBIDDEN} with one whose role is too low. Without any
 * configured token every change is refused: a missing secret must not mean an open door, and a generated one would
 * have to be fished out of the logs. Logs name the holder, never the token.
 */
final class BearerAuth extends AllDirectives {

    static final String REALM = "salve";
    private static final Logger LOG = LoggerFactory.getLogger(BearerAuth.class);
    private static final String NO_TOKEN = "no API token is configured, so what needs one is refused: set "
            + "salve.api.token (or the SALVE_API_TOKEN environment variable) or salve.api.tokens-file, and send "
            + "the token as \"Authorization: Bearer <token>\"";

    private final ApiTokens tokens;
    private final boolean protectReads;

    BearerAuth(ApiTokens tokens, boolean protectReads) {
        this.tokens = tokens;
        this.protectReads = protectReads;
        if (tokens.isEmpty()) {
            LOG.warn("no API token is configured: the operator API refuses every edit (401) until one is; set "
                    + "SALVE_API_TOKEN, salve.api.token or salve.api.tokens-file");
        }
    }

    /** A route that changes nothing. */
    Route read(Supplier<Route> inner) {
        return protectReads ? require(Role.VIEWER, inner) : inner.get();
    }

    /** A route that changes the model's edits. */
    Route change(Supplier<Route> inner) {
        return require(Role.OPERATOR, inner);
    }

    private Route require(Role needed, Supplier<Route> inner) {
        return extractRequest(request -> {
            if (tokens.isEmpty()) {
                refused(request, NO_TOKEN);
                return failWith(new ApiException("UNAUTHORIZED", NO_TOKEN));
            }
            return authenticateOAuth2(REALM, credentials -> check(request, credentials), holder -> {
                if (!holder.role().allows(needed)) {
                    refused(request, "token \"" + holder.name() + "\" is " + holder.role().id() + ", this needs "
                            + needed.id());
                    return failWith(new ApiException("FORBIDDEN", "this needs the " + needed.id() + " role; the "
                            + "token presented (\"" + holder.name() + "\") is " + holder.role().id()));
                }
                if (needed != Role.VIEWER) {
                    LOG.info("{} {} by \"{}\" ({})", request.method().value(), request.getUri().path(), holder.name(),
                            holder.role().id());
                }
                return inner.get();
            });
        });
    }

    private Optional<Holder> check(HttpRequest request, Optional<ProvidedCredentials> credentials) {
        Optional<Holder> holder = credentials.flatMap(c -> tokens.find(c.identifier()));
        if (holder.isEmpty()) {
            refused(request, credentials.isEmpty() ? "missing \"Authorization: Bearer <token>\"" : "unknown API token");
        }
        return holder;
    }

    /** Never logs the presented credential, only why it was refused. */
    private static void refused(HttpRequest request, String why) {
        LOG.warn("refused {} {}: {}", request.method().value(), request.getUri().path(), why);
    }
}
