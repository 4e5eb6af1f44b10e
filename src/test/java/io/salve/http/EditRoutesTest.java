package io.salve.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.salve.core.FeatureCatalog;
import io.salve.core.FeatureSelection;
import io.salve.core.Head;
import io.salve.core.diagnose.AlphaFlip;
import io.salve.core.diagnose.Suppression;
import io.salve.core.edit.Direction;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditTemplate;
import io.salve.edits.EditState;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link EditRoutes}: changes, the history, If-Match, previews and plans, on the real registry. */
class EditRoutesTest extends ApiTest {

    @Test
    void applyListRevertSetAndHistory() throws Exception {
        Reply empty = get("/v1/edits");
        assertEquals("\"0\"", empty.header("ETag"));
        assertEquals(0, empty.json().get("active").size());

        Reply applied = send("POST", "/v1/edits", edit(dominant(0), "projection", "suppress", 1.0, "[0]"));
        assertEquals(201, applied.status(), applied::toString);
        String first = applied.json().get("id").asText();
        assertEquals(1, applied.json().get("version").asLong());
        assertEquals("\"1\"", applied.header("ETag"));
        JsonNode active = applied.json().get("state").get("active").get(0);
        assertEquals(first, active.get("id").asText());
        assertEquals("projection", active.get("method").asText());
        assertEquals("suppress", active.get("direction").asText());
        assertEquals("[0]", active.get("rows").toString());
        assertEquals("ops", active.get("author").asText());

        // rows left out: every class.
        Reply second = send("POST", "/v1/edits", "{\"feature\": 2, \"method\": \"SALVE\", \"direction\": "
                + "\"enhance\", \"alpha\": 0.5}");
        assertEquals(201, second.status(), second::toString);
        assertEquals("[]", second.json().get("state").get("active").get(1).get("rows").toString());

        Reply listed = get("/v1/edits");
        assertEquals("\"2\"", listed.header("ETag"));
        assertEquals(List.of(first, second.json().get("id").asText()), ids(listed.json()));

        Reply reverted = send("DELETE", "/v1/edits/" + first + "?author=ops&reason=done");
        assertEquals(200, reverted.status(), reverted::toString);
        assertEquals(List.of(second.json().get("id").asText()), ids(reverted.json()));
        send("DELETE", "/v1/edits/" + first).error(404, "UNKNOWN_EDIT");

        Reply set = send("PUT", "/v1/edits", "{\"name\": \"calm\", \"author\": \"ops\", \"edits\": ["
                + edit(1, "rank1", "suppress", 0.5, "[1, 2]") + ", " + edit(3, "salve", "suppress", 2, null) + "]}");
        assertEquals(200, set.status(), set::toString);
        assertEquals("calm", set.json().get("setName").asText());
        assertEquals(2, set.json().get("active").size());

        Reply cleared = send("DELETE", "/v1/edits");
        assertEquals(200, cleared.status(), cleared::toString);
        assertEquals(0, cleared.json().get("active").size());
        assertEquals("\"5\"", cleared.header("ETag"));

        JsonNode history = get("/v1/edits/history").json().get("entries");
        assertEquals(List.of("APPLIED", "APPLIED", "REVERTED", "SET", "REVERTED_ALL"),
                stream(history).map(h -> h.get("kind").asText()).toList());
        assertEquals(first, history.get(2).get("reverted").get(0).asText());
        assertEquals("done", history.get(2).get("reason").asText());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), stream(history).map(h -> h.get("version").asLong()).toList());
        assertFalse(get("/v1/edits/history").json().has("next"), "one page holds all five");

        // Pages: at most `limit` entries after version `after`; `next`, the next page's `after`, absent on the last.
        List<Long> paged = new ArrayList<>();
        String after = "0";
        int pages = 0;
        while (after != null) {
            JsonNode page = get("/v1/edits/history?limit=2&after=" + after).json();
            assertTrue(page.get("entries").size() <= 2, page::toString);
            stream(page.get("entries")).forEach(h -> paged.add(h.get("version").asLong()));
            after = page.has("next") ? page.get("next").asText() : null;
            pages++;
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), paged);
        assertEquals(3, pages);
        get("/v1/edits/history?limit=0").error(400, "BAD_LIMIT");
        get("/v1/edits/history?limit=1001").error(400, "BAD_LIMIT");
        get("/v1/edits/history?limit=4294967396").error(400, "BAD_LIMIT");
        get("/v1/edits/history?limit=ten").error(400, "BAD_LIMIT");
        get("/v1/edits/history?after=-1").error(400, "BAD_AFTER");
    }

    @Test
    void badEditBodiesAreRefusedWithTheirCodeAndPersistNothing() throws Exception {
        send("POST", "/v1/edits", "{\"feature\": 1,").error(400, "BAD_JSON");
        send("POST", "/v1/edits", "[1, 2]").error(400, "BAD_JSON");
        send("POST", "/v1/edits", "").error(400, "BAD_JSON");
        send("POST", "/v1/edits", "{\"feature\": 1, \"method\": \"salve\", \"direction\": \"suppress\"}")
                .error(400, "BAD_REQUEST");
        send("POST", "/v1/edits", "{\"feature\": \"one\", \"method\": \"salve\", \"direction\": \"suppress\", "
                + "\"alpha\": 1}").error(400, "BAD_REQUEST");
        send("POST", "/v1/edits", "{\"feature\": 1.5, \"method\": \"salve\", \"direction\": \"suppress\", "
                + "\"alpha\": 1}").error(400, "BAD_REQUEST");
        send("POST", "/v1/edits", "{\"feature\": 1, \"method\": \"salve\", \"direction\": \"suppress\", "
                + "\"alpha\": 1, \"strength\": 2}").error(400, "BAD_REQUEST");
        send("POST", "/v1/edits", edit(1, "blur", "suppress", 1, null)).error(400, "UNKNOWN_METHOD");
        send("POST", "/v1/edits", edit(1, "salve", "sideways", 1, null)).error(400, "UNKNOWN_DIRECTION");
        send("POST", "/v1/edits", edit(1, "salve", "suppress", -0.5, null)).error(400, "BAD_ALPHA");
        send("POST", "/v1/edits", edit(1, "salve", "suppress", 1e6, null)).error(400, "BAD_ALPHA");
        send("POST", "/v1/edits", edit(1, "salve", "suppress", 1, "[" + head.numClasses() + "]"))
                .error(400, "UNKNOWN_CLASS");
        send("POST", "/v1/edits", edit(sae.latents(), "salve", "suppress", 1, null)).error(400, "UNKNOWN_FEATURE");
        send("PUT", "/v1/edits", "{\"edits\": []}").error(400, "BAD_REQUEST");
        send("PUT", "/v1/edits", "{\"name\": \"x\", \"edits\": [" + edit(1, "salve", "suppress", 1, "[99]") + "]}")
                .error(400, "UNKNOWN_CLASS");
        assertEquals(0, version());
        assertTrue(edits.history().toCompletableFuture().join().isEmpty());
    }

    @Test
    void ifMatchGuardsAgainstLostUpdates() throws Exception {
        String etag = get("/v1/edits").header("ETag");
        Reply ok = send("POST", "/v1/edits", edit(1, "salve", "suppress", 1, null), "If-Match", etag);
        assertEquals(201, ok.status(), ok::toString);
        // A second operator still holding the old ETag is refused, for every kind of change.
        send("POST", "/v1/edits", edit(2, "salve", "suppress", 1, null), "If-Match", etag)
                .error(409, "VERSION_CONFLICT");
        send("DELETE", "/v1/edits/" + ok.json().get("id").asText(), null, "If-Match", etag)
                .error(409, "VERSION_CONFLICT");
        send("DELETE", "/v1/edits", null, "If-Match", "\"0\"").error(409, "VERSION_CONFLICT");
        send("PUT", "/v1/edits", "{\"name\": \"n\", \"edits\": []}", "If-Match", etag)
                .error(409, "VERSION_CONFLICT");
        send("DELETE", "/v1/edits", null, "If-Match", "latest").error(400, "BAD_REQUEST");
        // An entity tag is quoted (RFC 9110); a bare number is not one.
        send("DELETE", "/v1/edits", null, "If-Match", "1").error(400, "BAD_REQUEST");
        send("DELETE", "/v1/edits", null, "If-Match", "\"1\", \"2\"").error(400, "BAD_REQUEST");
        assertEquals(1, version());
        assertEquals(200, send("DELETE", "/v1/edits", null, "If-Match", ok.header("ETag")).status());
        assertEquals(200, send("DELETE", "/v1/edits", null, "If-Match", "*").status());
        assertEquals(3, version());
    }

    @Test
    void previewPredictsWhatApplyingTheEditDoes() throws Exception {
        // An edit already in force, so that the preview has to go on top of it.
        assertEquals(201, send("POST", "/v1/edits", edit(dominant(2), "salve", "suppress", 1.5, null)).status());
        int cls = bestClass();
        for (EditMethod method : EditMethod.values()) {
            EditState before = edits.current().toCompletableFuture().join();
            Head servedBefore = before.editSet().apply(head, sae);
            double alpha = halfFlipped(servedBefore, new EditTemplate(dominant(cls), method, Direction.SUPPRESS,
                    List.of(cls)), cls);
            String body = edit(dominant(cls), method.id(), "suppress", alpha, "[" + cls + "]");
            Reply preview = call("POST", "/v1/edits/preview", body);
            assertEquals(200, preview.status(), preview::toString);
            JsonNode p = preview.json();
            assertEquals(before.version(), p.get("baseVersion").asLong(), "nothing applied");
            assertEquals(test.count(), p.get("samples").asInt());

            Reply applied = send("POST", "/v1/edits", body);
            assertEquals(201, applied.status(), applied::toString);
            Head servedAfter = edits.current().toCompletableFuture().join().editSet().apply(head, sae);
            int[] support = new int[head.numClasses()];
            int[][] correct = new int[2][head.numClasses()];
            int[] changed = new int[head.numClasses()];
            for (int n = 0; n < test.count(); n++) {
                int label = test.labels()[n];
                int was = servedBefore.predict(test.rows()[n]);
                int is = servedAfter.predict(test.rows()[n]);
                support[label]++;
                correct[0][label] += was == label ? 1 : 0;
                correct[1][label] += is == label ? 1 : 0;
                changed[label] += was != is ? 1 : 0;
            }
            for (int k = 0; k < head.numClasses(); k++) {
                JsonNode c = p.get("classes").get(k);
                String where = method + " class " + k;
                assertEquals(support[k], c.get("samples").asInt(), where);
                assertEquals((double) correct[0][k] / support[k], c.get("accuracyBefore").asDouble(), 1e-12, where);
                assertEquals((double) correct[1][k] / support[k], c.get("accuracyAfter").asDouble(), 1e-12, where);
                assertEquals(changed[k], c.get("changed").asInt(), where);
                if (method != EditMethod.SALVE) {
                    assertEquals(changed[k], c.get("flipped").asInt(), where);
                }
            }
            JsonNode target = p.get("classes").get(cls);
            assertTrue(target.get("accuracyAfter").asDouble() < target.get("accuracyBefore").asDouble(),
                    method + ": suppressing the class's dominant feature costs it accuracy: " + target);
            String added = applied.json().get("id").asText();
            assertEquals(200, send("DELETE", "/v1/edits/" + added).status());
        }
        call("POST", "/v1/edits/preview", edit(1, "salve", "suppress", -1, null)).error(400, "BAD_ALPHA");
        call("POST", "/v1/edits/preview", edit(1, "blur", "suppress", 1, null)).error(400, "UNKNOWN_METHOD");
        call("POST", "/v1/edits/preview", edit(sae.latents(), "salve", "suppress", 1, null))
                .error(400, "UNKNOWN_FEATURE");
        call("POST", "/v1/edits/preview", "{\"feature\":").error(400, "BAD_JSON");
    }

    @Test
    void planFindsWhatTheSearchFindsAndItsSetAppliesAsPlanned() throws Exception {
        assertEquals(201, send("POST", "/v1/edits", edit(dominant(2), "rank1", "suppress", 0.5, null)).status());
        EditState before = edits.current().toCompletableFuture().join();
        Head served = before.editSet().apply(head, sae);
        int cls = bestClass();
        FeatureCatalog features = ServedModel.of(model, bundle, test).catalog();
        Suppression.Plan plan = Suppression.Plan.of(features, cls, FeatureSelection.SELECTIVE, EditMethod.RANK1,
                List.of(cls), 0.05, 2.0, 3);
        Suppression expected = Suppression.find(served, sae, plan, MAX_ALPHA, test.rows(), test.labels());

        Reply reply = send("POST", "/v1/edits/plan", "{\"class\": " + cls + ", \"targetAccuracy\": 0.05, "
                + "\"method\": \"rank1\", \"rows\": \"class\", \"author\": \"ops\", \"reason\": \"plan\"}");
        assertEquals(200, reply.status(), reply::toString);
        JsonNode p = reply.json();
        assertEquals(before.version(), p.get("baseVersion").asLong(), "nothing applied");
        assertEquals(before.version(), version());
        assertEquals(expected.reached(), p.get("reached").asBoolean());
        assertEquals(expected.features(), stream(p.get("features")).map(JsonNode::asInt).toList());
        assertEquals(expected.accuracy(), p.get("accuracyAfter").asDouble(), 1e-12);
        assertEquals(expected.offTargetChange(), p.get("offTargetChange").asDouble(), 1e-9);
        assertTrue(expected.edits().size() >= 1, "the search keeps at least one step: " + p);
        for (int i = 0; i < expected.edits().size(); i++) {
            assertEquals(expected.edits().get(i).alpha(), p.get("edits").get(i).get("alpha").asDouble(), 0);
            assertEquals(List.of(cls), stream(p.get("edits").get(i).get("rows")).map(JsonNode::asInt).toList());
        }
        // The set is the edit in force followed by the plan's; PUT with the plan's base version applies exactly it.
        JsonNode set = p.get("set");
        assertEquals(1 + expected.edits().size(), set.get("edits").size());
        Reply put = send("PUT", "/v1/edits", JSON.writeValueAsString(set), "If-Match",
                "\"" + p.get("baseVersion").asLong() + "\"");
        assertEquals(200, put.status(), put::toString);
        Head after = edits.current().toCompletableFuture().join().editSet().apply(head, sae);
        int support = 0;
        int right = 0;
        for (int n = 0; n < test.count(); n++) {
            if (test.labels()[n] == cls) {
                support++;
                right += after.predict(test.rows()[n]) == cls ? 1 : 0;
            }
        }
        assertEquals(p.get("accuracyAfter").asDouble(), (double) right / support, 1e-12);

        String good = "\"class\": " + cls + ", \"targetAccuracy\": 0.05";
        send("POST", "/v1/edits/plan", "{" + good + ", \"rows\": \"some\"}").error(400, "UNKNOWN_ROWS");
        send("POST", "/v1/edits/plan", "{" + good + ", \"selection\": \"loud\"}").error(400, "UNKNOWN_SELECTION");
        send("POST", "/v1/edits/plan", "{" + good + ", \"method\": \"blur\"}").error(400, "UNKNOWN_METHOD");
        send("POST", "/v1/edits/plan", "{" + good + ", \"maxFeatures\": 0}").error(400, "BAD_MAX_FEATURES");
        send("POST", "/v1/edits/plan", "{" + good + ", \"tolerance\": -1}").error(400, "BAD_TOLERANCE");
        send("POST", "/v1/edits/plan", "{\"class\": 0, \"targetAccuracy\": 1.5}").error(400, "BAD_TARGET");
        send("POST", "/v1/edits/plan", "{\"class\": 99, \"targetAccuracy\": 0.1}").error(400, "UNKNOWN_CLASS");
        send("POST", "/v1/edits/plan", "{\"targetAccuracy\": 0.1}").error(400, "BAD_REQUEST");
    }

    /** The class the bundle gets most right, so that a drop is unmistakable. */
    static int bestClass() {
        int[] right = new int[head.numClasses()];
        for (int n = 0; n < test.count(); n++) {
            right[test.labels()[n]] += head.predict(test.rows()[n]) == test.labels()[n] ? 1 : 0;
        }
        return IntStream.range(0, right.length).reduce((a, b) -> right[b] > right[a] ? b : a).orElseThrow();
    }

    /** A strength at which half of class {@code cls}'s test samples have flipped (the weakest that bites, else). */
    static double halfFlipped(Head served, EditTemplate edit, int cls) {
        EditPath path = EditPath.of(served, sae, edit);
        double[] flips = IntStream.range(0, test.count()).filter(n -> test.labels()[n] == cls)
                .mapToDouble(n -> AlphaFlip.of(path.trace(test.rows()[n])).alpha()).sorted().toArray();
        return Double.isFinite(flips[flips.length / 2]) ? flips[flips.length / 2] * 1.01 : MAX_ALPHA;
    }
}
