package io.salve.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BearerAuth}, the body limit and the settings they come from. */
class AccessTest extends ApiTest {

    @Test
    void changesNeedTheTokenAndRefusalsAreLoggedWithoutIt() throws Exception {
        String body = edit(1, "salve", "suppress", 1, null);
        Reply missing = call("POST", "/v1/edits", body).error(401, "UNAUTHORIZED");
        assertTrue(missing.header("WWW-Authenticate").startsWith("Bearer"));
        call("POST", "/v1/edits", body, "Authorization", "Bearer guess-123").error(401, "UNAUTHORIZED");
        call("POST", "/v1/edits", body, "Authorization", "Basic " + TOKEN).error(401, "UNAUTHORIZED");
        call("DELETE", "/v1/edits").error(401, "UNAUTHORIZED");
        call("DELETE", "/v1/edits/e1").error(401, "UNAUTHORIZED");
        call("PUT", "/v1/edits", "{\"name\": \"n\", \"edits\": []}").error(401, "UNAUTHORIZED");
        assertEquals(0, version());

        List<ILoggingEvent> refusals = warnings.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertEquals(6, refusals.size(), refusals.toString());
        assertTrue(refusals.get(0).getFormattedMessage().contains("POST /v1/edits"), refusals.toString());
        assertTrue(refusals.stream().noneMatch(e -> e.getFormattedMessage().contains("guess-123")
                || e.getFormattedMessage().contains(TOKEN)), refusals.toString());

        // Reads, previews and inference are open.
        assertEquals(200, get("/v1/edits").status());
        assertEquals(200, call("POST", "/v1/edits/preview", body).status());
    }

    @Test
    void readsCanBeProtectedToo() throws Exception {
        serve(settings(TOKEN, true));
        get("/v1/edits").error(401, "UNAUTHORIZED");
        get("/v1/features").error(401, "UNAUTHORIZED");
        call("POST", "/v1/edits/preview", edit(1, "salve", "suppress", 1, null)).error(401, "UNAUTHORIZED");
        assertEquals(200, send("GET", "/v1/edits", null).status());
    }

    @Test
    void withoutAConfiguredTokenEveryChangeIsRefused() throws Exception {
        serve(settings("", false));
        Reply refused = call("POST", "/v1/edits", edit(1, "salve", "suppress", 1, null), "Authorization",
                "Bearer ").error(401, "UNAUTHORIZED");
        assertTrue(refused.json().get("error").get("message").asText().contains("SALVE_API_TOKEN"), refused::toString);
        send("DELETE", "/v1/edits").error(401, "UNAUTHORIZED");
        assertEquals(0, version());
        assertEquals(200, get("/v1/edits").status());
    }

    @Test
    void bodiesOverTheLimitAreRefused() throws Exception {
        String padded = "{\"feature\": 1, \"method\": \"salve\", \"direction\": \"suppress\", \"alpha\": 1, "
                + "\"reason\": \"" + "x".repeat(4096) + "\"}";
        send("POST", "/v1/edits", padded).error(413, "TOO_LARGE");
        call("POST", "/v1/edits/preview", padded).error(413, "TOO_LARGE");
        // Streamed (chunked), so no length is declared up front.
        HttpResponse<String> chunked = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/v1/edits"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofInputStream(() ->
                        new ByteArrayInputStream(padded.getBytes(StandardCharsets.UTF_8)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode(), chunked.body());
        assertEquals("TOO_LARGE", JSON.readTree(chunked.body()).get("error").get("code").asText());
        assertEquals(0, version());
        String fits = padded.replace("x".repeat(4096), "x".repeat(3900));
        assertEquals(201, send("POST", "/v1/edits", fits).status());
    }

    @Test
    void settingsComeFromTheSalveApiBlock() {
        ApiSettings defaults = ApiSettings.from(ConfigFactory.defaultReference());
        assertEquals(System.getenv().getOrDefault("SALVE_API_TOKEN", ""), defaults.token());
        assertFalse(defaults.protectReads());
        assertEquals(1 << 20, defaults.maxBodyBytes());
        assertEquals(1000, defaults.maxAlpha());
        ApiSettings set = ApiSettings.from(ConfigFactory.parseString(
                "salve.api { token = abc, protect-reads = true, max-body-bytes = 64k, infer-timeout = 2s }, "
                        + "salve.edits.max-alpha = 50").withFallback(ConfigFactory.defaultReference()));
        assertEquals(new ApiSettings("abc", "", true, 65536, Duration.ofSeconds(2), 50), set);
    }

    @Test
    void rolesFromATokensFileDecideWhoMayReadAndWhoMayChange(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "# name role sha256\n"
                + "grafana viewer " + sha256("view-1") + "\n"
                + "alice   operator " + sha256("op-1") + "\n\n");
        serve(new ApiSettings(TOKEN, file.toString(), true, 4096, Duration.ofSeconds(10), MAX_ALPHA));
        String body = edit(1, "salve", "suppress", 1, null);

        call("GET", "/v1/edits").error(401, "UNAUTHORIZED");
        call("GET", "/v1/edits", null, "Authorization", "Bearer op-2").error(401, "UNAUTHORIZED");
        assertEquals(200, call("GET", "/v1/edits", null, "Authorization", "Bearer view-1").status());
        Reply forbidden = call("POST", "/v1/edits", body, "Authorization", "Bearer view-1").error(403, "FORBIDDEN");
        assertTrue(forbidden.json().get("error").get("message").asText().contains("operator"), forbidden::toString);
        call("DELETE", "/v1/edits", null, "Authorization", "Bearer view-1").error(403, "FORBIDDEN");
        assertEquals(0, version());

        assertEquals(201, call("POST", "/v1/edits", body, "Authorization", "Bearer op-1").status());
        assertEquals(200, call("GET", "/v1/edits/history", null, "Authorization", "Bearer op-1").status());
        // salve.api.token keeps working, as an admin token.
        assertEquals(200, call("DELETE", "/v1/edits", null, "Authorization", "Bearer " + TOKEN).status());
        assertEquals(2, version());

        List<String> logged = warnings.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(logged.stream().anyMatch(l -> l.contains("POST /v1/edits by \"alice\" (operator)")),
                logged::toString);
        assertTrue(logged.stream().anyMatch(l -> l.contains("DELETE /v1/edits by \"salve.api.token\" (admin)")),
                logged::toString);
        assertTrue(logged.stream().anyMatch(l -> l.contains("token \"grafana\" is viewer")), logged::toString);
        assertTrue(logged.stream().noneMatch(l -> l.contains("view-1") || l.contains("op-1") || l.contains("op-2")
                || l.contains(TOKEN)), logged::toString);
    }

    @Test
    void aTokensFileWithATokenInsteadOfItsHashOrAnUnknownRoleIsRefusedAtStart(@TempDir Path dir) throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "alice operator op-1\n");
        SalveException e = assertThrows(SalveException.class, () -> ApiTokens.of("", plain.toString()));
        assertEquals("BAD_CONFIG", e.code());
        assertTrue(e.getMessage().contains("sha256sum") && e.getMessage().contains("line 1"), e.getMessage());
        Path role = Files.writeString(dir.resolve("role"), "bob root " + sha256("x") + "\n");
        assertEquals("BAD_CONFIG", assertThrows(SalveException.class, () -> ApiTokens.of("", role.toString())).code());
        Path twice = Files.writeString(dir.resolve("twice"), "a viewer " + sha256("x") + "\na admin " + sha256("y"));
        assertEquals("BAD_CONFIG", assertThrows(SalveException.class, () -> ApiTokens.of("", twice.toString())).code());
        assertEquals("BAD_CONFIG", assertThrows(SalveException.class,
                () -> ApiTokens.of("", dir.resolve("missing").toString())).code());
    }

    private static String sha256(String token) {
        return HexFormat.of().formatHex(ApiTokens.sha256(token));
    }

    @Test
    void deepJsonAndTooManyActiveEditsAreRefusedWithTheirCodes() throws Exception {
        String deep = "{\"feature\": 1, \"reason\": " + "[".repeat(200) + "]".repeat(200) + "}";
        Reply bomb = send("POST", "/v1/edits", deep).error(400, "BAD_JSON");
        assertTrue(bomb.json().get("error").get("message").asText().contains("depth"), bomb::toString);
        call("POST", "/v1/edits/preview", deep).error(400, "BAD_JSON");

        for (int i = 0; i < MAX_ACTIVE; i++) {
            assertEquals(201, send("POST", "/v1/edits", edit(i, "salve", "suppress", 1, null)).status());
        }
        Reply full = send("POST", "/v1/edits", edit(9, "salve", "suppress", 1, null)).error(400, "TOO_MANY_EDITS");
        assertTrue(full.json().get("error").get("message").asText().contains("salve.edits.max-active"), full::toString);
        StringBuilder set = new StringBuilder("{\"name\": \"big\", \"edits\": [");
        for (int i = 0; i <= MAX_ACTIVE; i++) {
            set.append(i == 0 ? "" : ", ").append(edit(i, "salve", "suppress", 1, null));
        }
        send("PUT", "/v1/edits", set.append("]}").toString()).error(400, "TOO_MANY_EDITS");
        assertEquals(MAX_ACTIVE, version(), "nothing persisted by the refused changes");
    }
}
