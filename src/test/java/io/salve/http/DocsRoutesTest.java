package io.salve.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@link DocsRoutes} and routing: what the OpenAPI document lists is exactly what is served. */
class DocsRoutesTest extends ApiTest {

    @Test
    void unknownRoutesMethodsAndModels() throws Exception {
        get("/v1/nothing-here").error(404, "NOT_FOUND");
        get("/v1/features/0/nothing").error(404, "NOT_FOUND");
        Reply patch = send("PATCH", "/v1/edits", "{}").error(405, "METHOD_NOT_ALLOWED");
        assertEquals(Set.of("GET", "POST", "PUT", "DELETE"), allowed(patch));
        assertEquals(Set.of("GET"), allowed(send("DELETE", "/v1/features").error(405, "METHOD_NOT_ALLOWED")));
        get("/v1/infer").error(405, "METHOD_NOT_ALLOWED");
        send("POST", "/v1/edits?model=another", edit(1, "salve", "suppress", 1, null)).error(404, "UNKNOWN_MODEL");
        get("/v1/edits/history?model=another").error(404, "UNKNOWN_MODEL");
        assertEquals(0, version());
    }

    @Test
    void everyDocumentedRouteIsServedAndNoOtherMethod() throws Exception {
        Reply doc = get("/v1/openapi.json");
        assertEquals(200, doc.status());
        assertEquals(openApi, doc.json());
        Set<String> verbs = Set.of("GET", "POST", "PUT", "DELETE", "PATCH");
        Map<String, String> samples = Map.of("{index}", "0", "{id}", "e-unknown", "{model}", "not-served");
        for (Iterator<Map.Entry<String, JsonNode>> it = openApi.get("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String path = entry.getKey();
            for (Map.Entry<String, String> s : samples.entrySet()) {
                path = path.replace(s.getKey(), s.getValue());
            }
            Set<String> documented = new TreeSet<>();
            entry.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase()));
            for (String method : documented) {
                Reply reply = send(method, path, method.equals("GET") || method.equals("DELETE") ? null : "{}");
                assertFalse(reply.status() == 405 || reply.status() == 404 && "NOT_FOUND".equals(
                        reply.json().path("error").path("code").asText()), method + " " + path + ": " + reply);
            }
            // What the server allows on the path is exactly what the document lists.
            Reply patch = send("PATCH", path, "{}");
            assertEquals(405, patch.status(), path + ": " + patch);
            assertEquals(documented, new TreeSet<>(allowed(patch)), path);
            Set<String> others = new HashSet<>(verbs);
            others.removeAll(documented);
            for (String method : others) {
                assertEquals(405, send(method, path, "{}").status(), method + " " + path);
            }
        }
    }
}
