package io.salve.http;

import ai.djl.Device;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.salve.app.SalveService;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeMetrics;
import io.salve.core.diagnose.AlphaFlip;
import io.salve.core.edit.Direction;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditTemplate;
import io.salve.data.DataSources;
import io.salve.data.ImageSet;
import io.salve.edits.EditState;
import io.salve.model.Activations;
import io.salve.model.Bundle;
import io.salve.pipeline.Discovery;
import io.salve.serve.BundleBatchModel;
import io.salve.serve.InferenceResult;
import io.salve.serve.ReplicaPool;
import io.salve.serve.ServingHead;
import io.salve.wire.RequestCodec;
import io.salve.wire.ResultCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator API over real HTTP (bound on a free port, called with {@link HttpClient}) on a real small bundle, an
 * in-memory registry and a real replica pool. Every call a test makes is also checked against the OpenAPI document:
 * a path the server routes must be documented with that method.
 */
class OperatorApiTest {

    static final String TOKEN = "s3cret-token";
    /** The service's edit limit, as the registry applies it. */
    static final double MAX_ALPHA = ConfigFactory.defaultReference().getDouble("salve.edits.max-alpha");
    static final ObjectMapper JSON = new ObjectMapper();
    static final ActorTestKit KIT = ActorTestKit.create();
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    static Path work;
    static Bundle bundle;
    static String model;
    static Head head;
    static Sae sae;
    static Activations test;
    static JsonNode catalog;
    static ImageSet testImages;
    static Discovery.DataRef data;
    static ActorRef<ReplicaPool.Command> pool;
    static RequestCodec codec;
    static JsonNode openApi;

    InMemoryRegistryClient log;
    ServerBinding binding;
    String base;
    ListAppender<ILoggingEvent> warnings;

    @BeforeAll
    static void tinyBundle() throws Exception {
        bundle = TinyBundle.build(work);
        model = SalveService.modelName(bundle);
        head = bundle.head();
        sae = bundle.sae();
        test = bundle.cachedActivations("test").orElseThrow();
        catalog = JSON.readTree(bundle.file("catalog.json").toFile());
        data = Discovery.dataOf(bundle, null);
        testImages = DataSources.load(data.name(), data.dir(), false);
        pool = KIT.spawn(ReplicaPool.create(List.of(new ReplicaPool.ReplicaSpec("cpu-0", "cpu",
                        () -> new BundleBatchModel(bundle, Device.cpu()))), bundle.metadata().classNames(),
                ServingHead.unedited(head), new ReplicaPool.Settings(8, Duration.ofMillis(2), 2, 3,
                        "salve.replica-dispatcher")));
        codec = new RequestCodec(new int[] {1, 28, 28}, head.numClasses(), 1 << 20, model);
        openApi = JSON.readTree(OperatorApi.class.getResourceAsStream("/openapi/operator-api.json"));
    }

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @BeforeEach
    void start() {
        warnings = new ListAppender<>();
        warnings.start();
        ((Logger) LoggerFactory.getLogger(OperatorApi.class)).addAppender(warnings);
        serve(new OperatorApi.Settings(TOKEN, false, 4096, Duration.ofSeconds(10), MAX_ALPHA));
    }

    @AfterEach
    void unbind() {
        binding.unbind().toCompletableFuture().join();
        ((Logger) LoggerFactory.getLogger(OperatorApi.class)).detachAppender(warnings);
    }

    /** (Re)binds an API with these settings and a fresh, empty registry. */
    void serve(OperatorApi.Settings settings) {
        if (binding != null) {
            binding.unbind().toCompletableFuture().join();
        }
        log = new InMemoryRegistryClient(head, sae);
        OperatorApi api = new OperatorApi(bundle, model, log, codec, request -> AskPattern.ask(pool,
                replyTo -> new ReplicaPool.Infer(request, replyTo), Duration.ofSeconds(10), KIT.scheduler()),
                data, ForkJoinPool.commonPool(), settings);
        binding = Http.get(KIT.system()).newServerAt("127.0.0.1", 0).bind(api.routes()).toCompletableFuture().join();
        base = "http://127.0.0.1:" + binding.localAddress().getPort();
    }

    // ---- client -------------------------------------------------------------------------------------------------

    record Reply(int status, HttpResponse<byte[]> raw) {

        JsonNode json() {
            try {
                return JSON.readTree(raw.body());
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + new String(raw.body(), StandardCharsets.UTF_8), e);
            }
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        /** Asserts an error reply: the status, the code, and a message that says something. */
        Reply error(int status, String code) {
            assertEquals(status, this.status, this::toString);
            JsonNode error = json().get("error");
            assertNotNull(error, this::toString);
            assertEquals(code, error.get("code").asText(), this::toString);
            assertFalse(error.get("message").asText().isBlank(), this::toString);
            return this;
        }

        @Override
        public String toString() {
            return status + " " + new String(raw.body(), StandardCharsets.UTF_8);
        }
    }

    Reply call(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        HttpResponse<byte[]> raw = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        Reply reply = new Reply(raw.statusCode(), raw);
        checkDocumented(method, path, reply);
        return reply;
    }

    /** With the token. */
    Reply send(String method, String path, String body, String... headers) throws Exception {
        List<String> all = new ArrayList<>(List.of("Authorization", "Bearer " + TOKEN));
        all.addAll(List.of(headers));
        return call(method, path, body, all.toArray(String[]::new));
    }

    /** A bodiless call with the token. */
    Reply send(String method, String path) throws Exception {
        return send(method, path, null);
    }

    Reply call(String method, String path) throws Exception {
        return call(method, path, null);
    }

    Reply get(String path) throws Exception {
        return call("GET", path, null);
    }

    /** A routed call (anything but 404 NOT_FOUND and 405) must be a documented path and method. */
    static void checkDocumented(String method, String path, Reply reply) {
        boolean unrouted = reply.status == 405 || reply.status == 404
                && reply.raw.body().length > 0 && "NOT_FOUND".equals(reply.json().path("error").path("code").asText());
        if (unrouted) {
            return;
        }
        String bare = path.replaceAll("\\?.*", "");
        boolean documented = false;
        for (Iterator<String> it = openApi.get("paths").fieldNames(); it.hasNext(); ) {
            String template = it.next();
            if (bare.matches(template.replace(".", "\\.").replaceAll("\\{[^}]+}", "[^/]+"))
                    && openApi.get("paths").get(template).has(method.toLowerCase())) {
                documented = true;
            }
        }
        assertTrue(documented, method + " " + path + " is routed (" + reply.status + ") but not in the OpenAPI "
                + "document");
    }

    static String edit(int feature, String method, String direction, double alpha, String rows) {
        return "{\"feature\": " + feature + ", \"method\": \"" + method + "\", \"direction\": \"" + direction
                + "\", \"alpha\": " + alpha + (rows == null ? "" : ", \"rows\": " + rows)
                + ", \"author\": \"ops\", \"reason\": \"test\"}";
    }

    static int dominant(int cls) {
        return catalog.get("classes").get(cls).get("dominantFeature").asInt();
    }

    long version() throws Exception {
        return log.current().toCompletableFuture().join().version();
    }

    // ---- features -----------------------------------------------------------------------------------------------

    @Test
    void featuresAreTheCatalogWithTestSplitFiringRates() throws Exception {
        Reply reply = get("/v1/features");
        assertEquals(200, reply.status, reply::toString);
        JsonNode body = reply.json();
        assertEquals(model, body.get("model").asText());
        assertEquals(catalog.get("classes"), body.get("classes"));
        assertEquals(catalog.get("classMeans"), body.get("classMeans"));
        double[] rates = SaeMetrics.evaluate(sae, test.rows()).firingRate();
        assertEquals(rates.length, body.get("features").size());
        for (int l = 0; l < rates.length; l++) {
            assertEquals(rates[l], body.get("features").get(l).get("firingRate").asDouble(), 1e-12, "feature " + l);
        }
        assertEquals(200, get("/v1/features?model=" + model).status);
        get("/v1/features?model=another").error(404, "UNKNOWN_MODEL");
    }

    @Test
    void oneFeatureWithItsClassMeans() throws Exception {
        int l = dominant(0);
        JsonNode body = get("/v1/features/" + l).json();
        assertEquals(l, body.get("feature").get("index").asInt());
        assertTrue(stream(body.get("feature").get("dominantFor")).anyMatch(k -> k.asInt() == 0), body.toString());
        for (int k = 0; k < head.numClasses(); k++) {
            JsonNode mean = body.get("classMeans").get(k);
            assertEquals(bundle.metadata().classNames().get(k), mean.get("name").asText());
            assertEquals(catalog.get("classMeans").get(k).get(l).asDouble(), mean.get("mean").asDouble(), 1e-6);
        }
        assertEquals("/v1/features/" + l + "/gradfam.png", body.get("gradFam").asText());
        get("/v1/features/" + sae.latents()).error(404, "UNKNOWN_FEATURE");
        get("/v1/features/-1").error(404, "UNKNOWN_FEATURE");
        get("/v1/features/twelve").error(404, "UNKNOWN_FEATURE");
    }

    @Test
    void gradFamIsComputedOnceAndCachedInTheBundle() throws Exception {
        int l = dominant(1);
        Path file = bundle.file("gradfam/feature-" + l + ".png");
        Files.deleteIfExists(file);
        Reply first = get("/v1/features/" + l + "/gradfam.png");
        assertEquals(200, first.status, first::toString);
        assertEquals("image/png", first.header("Content-Type"));
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(first.raw.body()));
        assertNotNull(png, "a PNG");
        assertTrue(png.getWidth() > 28 && png.getHeight() > 28, png.getWidth() + "x" + png.getHeight());
        assertArrayEquals(Files.readAllBytes(file), first.raw.body());

        // A new server (e.g. after a restart) serves the file as it is rather than computing it again.
        FileTime written = Files.getLastModifiedTime(file);
        serve(new OperatorApi.Settings(TOKEN, false, 4096, Duration.ofSeconds(10), MAX_ALPHA));
        assertArrayEquals(first.raw.body(), get("/v1/features/" + l + "/gradfam.png").raw.body());
        assertEquals(written, Files.getLastModifiedTime(file));
        get("/v1/features/" + sae.latents() + "/gradfam.png").error(404, "UNKNOWN_FEATURE");
    }

    // ---- edits --------------------------------------------------------------------------------------------------

    @Test
    void applyListRevertSetAndHistory() throws Exception {
        Reply empty = get("/v1/edits");
        assertEquals("\"0\"", empty.header("ETag"));
        assertEquals(0, empty.json().get("active").size());

        Reply applied = send("POST", "/v1/edits", edit(dominant(0), "projection", "suppress", 1.0, "[0]"));
        assertEquals(201, applied.status, applied::toString);
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
        assertEquals(201, second.status, second::toString);
        assertEquals("[]", second.json().get("state").get("active").get(1).get("rows").toString());

        Reply listed = get("/v1/edits");
        assertEquals("\"2\"", listed.header("ETag"));
        assertEquals(List.of(first, second.json().get("id").asText()), ids(listed.json()));

        Reply reverted = send("DELETE", "/v1/edits/" + first + "?author=ops&reason=done");
        assertEquals(200, reverted.status, reverted::toString);
        assertEquals(List.of(second.json().get("id").asText()), ids(reverted.json()));
        send("DELETE", "/v1/edits/" + first).error(404, "UNKNOWN_EDIT");

        Reply set = send("PUT", "/v1/edits", "{\"name\": \"calm\", \"author\": \"ops\", \"edits\": ["
                + edit(1, "rank1", "suppress", 0.5, "[1, 2]") + ", " + edit(3, "salve", "suppress", 2, null) + "]}");
        assertEquals(200, set.status, set::toString);
        assertEquals("calm", set.json().get("setName").asText());
        assertEquals(2, set.json().get("active").size());

        Reply cleared = send("DELETE", "/v1/edits");
        assertEquals(200, cleared.status, cleared::toString);
        assertEquals(0, cleared.json().get("active").size());
        assertEquals("\"5\"", cleared.header("ETag"));

        JsonNode history = get("/v1/edits/history").json().get("entries");
        assertEquals(List.of("APPLIED", "APPLIED", "REVERTED", "SET", "REVERTED_ALL"),
                stream(history).map(h -> h.get("kind").asText()).toList());
        assertEquals(first, history.get(2).get("reverted").get(0).asText());
        assertEquals("done", history.get(2).get("reason").asText());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), stream(history).map(h -> h.get("version").asLong()).toList());
    }

    static List<String> ids(JsonNode state) {
        return stream(state.get("active")).map(a -> a.get("id").asText()).toList();
    }

    static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        return IntStream.range(0, array.size()).mapToObj(array::get);
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
        assertTrue(log.history().toCompletableFuture().join().isEmpty());
    }

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

    static Set<String> allowed(Reply reply) {
        String allow = reply.header("Allow");
        assertNotNull(allow, reply::toString);
        return Set.of(allow.split(",\\s*"));
    }

    @Test
    void ifMatchGuardsAgainstLostUpdates() throws Exception {
        String etag = get("/v1/edits").header("ETag");
        Reply ok = send("POST", "/v1/edits", edit(1, "salve", "suppress", 1, null), "If-Match", etag);
        assertEquals(201, ok.status, ok::toString);
        // A second operator still holding the old ETag is refused, for every kind of change.
        send("POST", "/v1/edits", edit(2, "salve", "suppress", 1, null), "If-Match", etag)
                .error(409, "VERSION_CONFLICT");
        send("DELETE", "/v1/edits/" + ok.json().get("id").asText(), null, "If-Match", etag)
                .error(409, "VERSION_CONFLICT");
        send("DELETE", "/v1/edits", null, "If-Match", "0").error(409, "VERSION_CONFLICT");
        send("PUT", "/v1/edits", "{\"name\": \"n\", \"edits\": []}", "If-Match", etag)
                .error(409, "VERSION_CONFLICT");
        send("DELETE", "/v1/edits", null, "If-Match", "latest").error(400, "BAD_REQUEST");
        assertEquals(1, version());
        assertEquals(200, send("DELETE", "/v1/edits", null, "If-Match", ok.header("ETag")).status);
        assertEquals(200, send("DELETE", "/v1/edits", null, "If-Match", "*").status);
        assertEquals(3, version());
    }

    // ---- security and limits ------------------------------------------------------------------------------------

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
        assertEquals(200, get("/v1/edits").status);
        assertEquals(200, call("POST", "/v1/edits/preview", body).status);
    }

    @Test
    void readsCanBeProtectedToo() throws Exception {
        serve(new OperatorApi.Settings(TOKEN, true, 4096, Duration.ofSeconds(10), MAX_ALPHA));
        get("/v1/edits").error(401, "UNAUTHORIZED");
        get("/v1/features").error(401, "UNAUTHORIZED");
        call("POST", "/v1/edits/preview", edit(1, "salve", "suppress", 1, null)).error(401, "UNAUTHORIZED");
        assertEquals(200, send("GET", "/v1/edits", null).status);
    }

    @Test
    void withoutAConfiguredTokenEveryChangeIsRefused() throws Exception {
        serve(new OperatorApi.Settings("", false, 4096, Duration.ofSeconds(10), MAX_ALPHA));
        Reply refused = call("POST", "/v1/edits", edit(1, "salve", "suppress", 1, null), "Authorization",
                "Bearer ").error(401, "UNAUTHORIZED");
        assertTrue(refused.json().get("error").get("message").asText().contains("SALVE_API_TOKEN"), refused::toString);
        send("DELETE", "/v1/edits").error(401, "UNAUTHORIZED");
        assertEquals(0, version());
        assertEquals(200, get("/v1/edits").status);
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
        assertEquals(201, send("POST", "/v1/edits", fits).status);
    }

    // ---- preview ------------------------------------------------------------------------------------------------

    @Test
    void previewPredictsWhatApplyingTheEditDoes() throws Exception {
        // An edit already in force, so that the preview has to go on top of it.
        assertEquals(201, send("POST", "/v1/edits", edit(dominant(2), "salve", "suppress", 1.5, null)).status);
        int cls = bestClass();
        for (EditMethod method : EditMethod.values()) {
            EditState before = log.current().toCompletableFuture().join();
            Head servedBefore = before.editSet().apply(head, sae);
            double alpha = halfFlipped(servedBefore, new EditTemplate(dominant(cls), method, Direction.SUPPRESS,
                    List.of(cls)), cls);
            String body = edit(dominant(cls), method.id(), "suppress", alpha, "[" + cls + "]");
            Reply preview = call("POST", "/v1/edits/preview", body);
            assertEquals(200, preview.status, preview::toString);
            JsonNode p = preview.json();
            assertEquals(before.version(), p.get("baseVersion").asLong(), "nothing applied");
            assertEquals(test.count(), p.get("samples").asInt());

            Reply applied = send("POST", "/v1/edits", body);
            assertEquals(201, applied.status, applied::toString);
            Head servedAfter = log.current().toCompletableFuture().join().editSet().apply(head, sae);
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
            assertEquals(200, send("DELETE", "/v1/edits/" + added).status);
        }
        call("POST", "/v1/edits/preview", edit(1, "salve", "suppress", -1, null)).error(400, "BAD_ALPHA");
        call("POST", "/v1/edits/preview", edit(1, "blur", "suppress", 1, null)).error(400, "UNKNOWN_METHOD");
        call("POST", "/v1/edits/preview", edit(sae.latents(), "salve", "suppress", 1, null))
                .error(400, "UNKNOWN_FEATURE");
        call("POST", "/v1/edits/preview", "{\"feature\":").error(400, "BAD_JSON");
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

    // ---- inference ----------------------------------------------------------------------------------------------

    @Test
    void inferAnswersWithTheResultRecord() throws Exception {
        int n = 5;
        byte[] request = RequestCodec.encodeUint8("r-1", new int[] {1, 28, 28}, testImages.pixels(),
                n * testImages.imageSize(), testImages.labels()[n]);
        Reply reply = call("POST", "/v1/infer", new String(request, StandardCharsets.UTF_8));
        assertEquals(200, reply.status, reply::toString);
        InferenceResult result = ResultCodec.decode(reply.raw.body());
        assertEquals("r-1", result.id());
        assertEquals(head.predict(test.rows()[n]), result.prediction());
        assertEquals(bundle.metadata().classNames().get(result.prediction()), result.className());
        assertEquals(test.labels()[n], result.label());
        assertEquals(0L, result.editVersion());
        assertEquals(head.numClasses(), result.probabilities().size());

        Reply missing = call("POST", "/v1/infer", "{\"tensor\": {}}").error(400, "MISSING_FIELD");
        assertTrue(missing.json().has("error"));
        call("POST", "/v1/infer", "{\"id\": \"r-2\", \"model\": \"another\", \"image\": \"\"}")
                .error(404, "UNKNOWN_MODEL");
        Reply shape = call("POST", "/v1/infer", new String(RequestCodec.encodeUint8("r-3", new int[] {1, 14, 56},
                testImages.pixels(), 0, null), StandardCharsets.UTF_8)).error(400, "BAD_SHAPE");
        assertEquals("r-3", shape.json().get("id").asText());
    }

    @Test
    void settingsComeFromTheSalveApiBlock() {
        OperatorApi.Settings defaults = OperatorApi.Settings.from(ConfigFactory.defaultReference());
        assertEquals(System.getenv().getOrDefault("SALVE_API_TOKEN", ""), defaults.token());
        assertFalse(defaults.protectReads());
        assertEquals(1 << 20, defaults.maxBodyBytes());
        OperatorApi.Settings set = OperatorApi.Settings.from(ConfigFactory.parseString(
                "salve.api { token = abc, protect-reads = true, max-body-bytes = 64k, infer-timeout = 2s }")
                .withFallback(ConfigFactory.defaultReference()));
        assertEquals(new OperatorApi.Settings("abc", true, 65536, Duration.ofSeconds(2), 1000), set);
    }

    // ---- OpenAPI ------------------------------------------------------------------------------------------------

    @Test
    void everyDocumentedRouteIsServedAndNoOtherMethod() throws Exception {
        Reply doc = get("/v1/openapi.json");
        assertEquals(200, doc.status);
        assertEquals(openApi, doc.json());
        Set<String> verbs = Set.of("GET", "POST", "PUT", "DELETE", "PATCH");
        Map<String, String> samples = Map.of("{index}", "0", "{id}", "e-unknown");
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
                assertFalse(reply.status == 405 || reply.status == 404 && "NOT_FOUND".equals(
                        reply.json().path("error").path("code").asText()), method + " " + path + ": " + reply);
            }
            // What the server allows on the path is exactly what the document lists.
            Reply patch = send("PATCH", path, "{}");
            assertEquals(405, patch.status, path + ": " + patch);
            assertEquals(documented, new TreeSet<>(allowed(patch)), path);
            Set<String> others = new HashSet<>(verbs);
            others.removeAll(documented);
            for (String method : others) {
                assertEquals(405, send(method, path, "{}").status, method + " " + path);
            }
        }
    }
}
