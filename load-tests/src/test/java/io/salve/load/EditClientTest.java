package io.salve.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The swap scenario's API calls against a stand-in for the operator API (the contract of POST/DELETE /v1/edits). */
class EditClientTest {

    private HttpServer server;
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private volatile String postAnswer;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/edits", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            calls.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + auth + " " + body);
            int status;
            String answer = "";
            if (!"Bearer t0k".equals(auth)) {
                status = 401;
                answer = "{\"error\":{\"code\":\"UNAUTHORIZED\"}}";
            } else if (exchange.getRequestMethod().equals("POST")) {
                status = 201;
                answer = postAnswer;
            } else {
                status = 200;
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void appliesAndRevertsWithTheToken() {
        postAnswer = "{\"id\":\"e-7\",\"version\":3,\"state\":{\"active\":[]}}";
        EditClient client = new EditClient(base() + "/", "t0k");
        EditClient.Outcome applied = client.apply(12, "projection", "suppress", 1.0);
        assertTrue(applied.ok());
        assertEquals("e-7", applied.id());
        assertEquals(3L, applied.version());
        assertTrue(client.revert(applied.id()).ok());
        assertTrue(calls.get(0).startsWith("POST /v1/edits Bearer t0k {"), calls.get(0));
        assertTrue(calls.get(0).contains("\"feature\":12") && calls.get(0).contains("\"method\":\"projection\""));
        assertTrue(calls.get(1).startsWith("DELETE /v1/edits/e-7?author=load-tests"), calls.get(1));
    }

    @Test
    void readsLeniently() {
        postAnswer = "{\"id\":42}";
        EditClient.Outcome applied = new EditClient(base(), "t0k").apply(1, "salve", "enhance", 0.5);
        assertTrue(applied.ok());
        assertEquals("42", applied.id());
        assertNull(applied.version());
    }

    @Test
    void reportsRefusals() {
        EditClient.Outcome refused = new EditClient(base(), "wrong").apply(12, "projection", "suppress", 1.0);
        assertFalse(refused.ok());
        assertEquals(401, refused.status());
        EditClient.Outcome unreachable = new EditClient("http://127.0.0.1:1", "t0k").revert("e-1");
        assertFalse(unreachable.ok());
        assertEquals(0, unreachable.status());
    }
}
