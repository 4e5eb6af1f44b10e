package io.salve.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The operator API's edit calls: {@code POST /v1/edits} (201 with the edit's {@code id} and the new edit-set
 * {@code version}) and {@code DELETE /v1/edits/{id}}, with the bearer token (io.salve.http.OperatorApi). The response is read leniently: the id
 * may be a string or a number, the version may be missing.
 */
final class EditClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One call: its HTTP status (0 when it never got one), the edit's id and version when it had them. */
    record Outcome(int status, String id, Long version, String problem) {

        boolean ok() {
            return status / 100 == 2 && problem == null;
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;
    private final String token;

    EditClient(String httpBase, String token) {
        this.base = httpBase.replaceAll("/+$", "");
        this.token = token;
    }

    Outcome apply(int feature, String method, String direction, double alpha) {
        return apply(feature, method, direction, alpha, null);
    }

    /** With {@code ifMatch} (a version, or null): applied only if the edits are still at that version, else 409. */
    Outcome apply(int feature, String method, String direction, double alpha, Long ifMatch) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("feature", feature, "method", method, "direction", direction,
                    "alpha", alpha, "author", "load-tests", "reason", "swap scenario: apply and revert every interval"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpRequest.Builder post = request("/v1/edits").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        Outcome sent = call((ifMatch == null ? post : post.header("If-Match", "\"" + ifMatch + "\"")).build());
        if (sent.status() / 100 != 2) {
            return sent;
        }
        try {
            JsonNode node = JSON.readTree(sent.problem() == null ? "{}" : sent.problem());
            String id = node.hasNonNull("id") ? node.get("id").asText() : null;
            Long version = node.hasNonNull("version") ? node.get("version").asLong() : null;
            return id == null ? new Outcome(sent.status(), null, version, "no id in the response: " + sent.problem())
                    : new Outcome(sent.status(), id, version, null);
        } catch (IOException e) {
            return new Outcome(sent.status(), null, null, "unreadable response: " + sent.problem());
        }
    }

    /** The edit's version is the one the revert left (the state the response carries). */
    Outcome revert(String id) {
        // Who and why travel as query parameters on a DELETE.
        Outcome outcome = call(request("/v1/edits/" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                + "?author=load-tests&reason=swap+scenario").DELETE().build());
        Outcome state = withVersion(outcome, outcome.status() / 100 == 2);
        return new Outcome(state.status(), id, state.version(), state.problem());
    }

    /** {@code GET /v1/edits}: the edits in force; their {@code version}. */
    Outcome current() {
        return withVersion(call(request("/v1/edits").GET().build()), false);
    }

    /** The body's {@code version}; the body stays as the problem unless {@code ok} (a 2xx that needs no body). */
    private static Outcome withVersion(Outcome got, boolean ok) {
        try {
            JsonNode node = JSON.readTree(got.problem() == null || got.problem().isEmpty() ? "{}" : got.problem());
            return new Outcome(got.status(), null, node.hasNonNull("version") ? node.get("version").asLong() : null,
                    ok || got.status() == 200 ? null : got.problem());
        } catch (IOException e) {
            return new Outcome(got.status(), null, null, ok ? null : "unreadable response: " + got.problem());
        }
    }

    /** {@code GET /v1/edits/history}: every change, oldest first, as the API's JSON (in {@code problem}). */
    Outcome history() {
        return call(request("/v1/edits/history").GET().build());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        return token == null || token.isEmpty() ? b : b.header("Authorization", "Bearer " + token);
    }

    /** The status and, in {@code problem}, the body (the caller decides what it means). */
    private Outcome call(HttpRequest request) {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Outcome(response.statusCode(), null, null, response.body());
        } catch (IOException e) {
            return new Outcome(0, null, null, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(0, null, null, "interrupted");
        }
    }
}
