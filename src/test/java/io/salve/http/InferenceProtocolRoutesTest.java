package io.salve.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.salve.core.Head;
import io.salve.data.DataSources;
import io.salve.data.ImageSet;
import io.salve.model.Activations;
import io.salve.model.Bundle;
import io.salve.model.InputSpec;
import io.salve.pipeline.Discovery;
import io.salve.serve.InferenceRequest;
import io.salve.serve.InferenceResult;
import io.salve.serve.ReplicaPool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link InferenceProtocolRoutes} over real HTTP on the tiny bundle's real replica pool, called with the JSON a
 * KServe or Triton client writes (the specification's field names and layouts, not our encoders). The directory
 * serves the bundle under two names, plus a model still warming up and one being unloaded.
 */
class InferenceProtocolRoutesTest {

    static final String TOKEN = "v2-token";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    static ApiFixture fixture;
    static Bundle bundle;
    static String model;
    static Head head;
    static Activations test;
    static ImageSet images;
    static int classes;

    @RegisterExtension
    static final BeforeAllCallback SHARED = context -> {
        fixture = ApiFixture.of(context);
        bundle = fixture.bundle;
        model = fixture.model;
        head = bundle.head();
        test = bundle.cachedActivations("test").orElseThrow();
        Discovery.DataRef data = Discovery.dataOf(bundle, null);
        images = DataSources.load(data.name(), data.dir(), false);
        classes = head.numClasses();
    };

    final AtomicBoolean serverReady = new AtomicBoolean(true);
    TestModels directory;
    ServerBinding binding;
    String base;

    @BeforeEach
    void start() {
        directory = new TestModels(model, bundle, InferenceProtocolRoutesTest::pool);
        directory.add("twin", "1", true, InferenceProtocolRoutesTest::pool);
        directory.add("warming", "1", false, InferenceProtocolRoutesTest::pool);
        directory.add("leaving", "3", true, r -> CompletableFuture.completedFuture(
                InferenceResult.failure(r.id(), r.model(), "MODEL_UNLOADING", "model \"leaving\" is being unloaded")));
        serve(Duration.ofSeconds(10));
    }

    @AfterEach
    void unbind() {
        binding.unbind().toCompletableFuture().join();
    }

    void serve(Duration inferTimeout) {
        if (binding != null) {
            binding.unbind().toCompletableFuture().join();
        }
        ApiSettings settings = new ApiSettings(TOKEN, "", false, 64 * 1024, inferTimeout, 1.0);
        InferenceProtocolRoutes routes = new InferenceProtocolRoutes(directory, settings,
                () -> CompletableFuture.completedFuture(serverReady.get()), "0.1.0-test");
        binding = Http.get(fixture.kit.system()).newServerAt("127.0.0.1", 0).bind(routes.routes())
                .toCompletableFuture().join();
        base = "http://127.0.0.1:" + binding.localAddress().getPort();
    }

    // ---- health and metadata -----------------------------------------------------------------------------------

    @Test
    void healthAnswersWithTheStatusAlone() throws Exception {
        Reply live = get("/v2/health/live");
        assertEquals(200, live.status());
        assertEquals(0, live.raw().body().length);
        assertEquals(200, get("/v2/health/ready").status());
        serverReady.set(false);
        Reply notReady = get("/v2/health/ready");
        assertEquals(503, notReady.status());
        assertEquals(0, notReady.raw().body().length);
        assertEquals(200, get("/v2/health/live").status());
    }

    @Test
    void serverMetadata() throws Exception {
        JsonNode server = get("/v2").ok();
        assertEquals("salve", server.get("name").asText());
        assertEquals("0.1.0-test", server.get("version").asText());
        assertTrue(strings(server.get("extensions")).contains("model_repository"), server::toString);
    }

    @Test
    void modelMetadataDescribesTheTensors() throws Exception {
        JsonNode meta = get("/v2/models/" + model).ok();
        assertEquals(model, meta.get("name").asText());
        assertEquals(List.of("1"), strings(meta.get("versions")));
        assertFalse(meta.get("platform").asText().isBlank());
        assertEquals(1, meta.get("inputs").size());
        JsonNode input = meta.get("inputs").get(0);
        assertEquals("input", input.get("name").asText());
        assertEquals("FP32", input.get("datatype").asText());
        InputSpec spec = bundle.inputSpec();
        assertEquals(List.of(-1, spec.channels(), spec.height(), spec.width()), ints(input.get("shape")));
        Map<String, JsonNode> outputs = byName(meta.get("outputs"));
        assertEquals(List.of("probabilities", "prediction"), strings(meta.get("outputs"), "name"));
        assertEquals("FP32", outputs.get("probabilities").get("datatype").asText());
        assertEquals(List.of(-1, classes), ints(outputs.get("probabilities").get("shape")));
        assertEquals("INT64", outputs.get("prediction").get("datatype").asText());
        assertEquals(List.of(-1), ints(outputs.get("prediction").get("shape")));

        assertEquals(meta, get("/v2/models/" + model + "/versions/1").ok());
        assertEquals("3", get("/v2/models/leaving").ok().get("versions").get(0).asText());
        get("/v2/models/" + model + "/versions/7").error(404, "UNKNOWN_VERSION");
        get("/v2/models/nothing").error(404, "UNKNOWN_MODEL");
        get("/v2/models/nothing/versions/1").error(404, "UNKNOWN_MODEL");
    }

    @Test
    void modelReadiness() throws Exception {
        assertEquals(200, get("/v2/models/" + model + "/ready").status());
        assertEquals(200, get("/v2/models/" + model + "/versions/1/ready").status());
        Reply warming = get("/v2/models/warming/ready");
        assertEquals(503, warming.status());
        assertEquals(0, warming.raw().body().length);
        get("/v2/models/" + model + "/versions/2/ready").error(404, "UNKNOWN_VERSION");
        get("/v2/models/nothing/ready").error(404, "UNKNOWN_MODEL");
    }

    // ---- inference ---------------------------------------------------------------------------------------------

    @Test
    void inferClassifiesABatchOfTwoAsTheHeadDoes() throws Exception {
        Reply reply = post("/v2/models/" + model + "/infer", """
                {"id": "42", "inputs": [{"name": "input", "shape": [2, 1, 28, 28], "datatype": "UINT8",
                 "data": %s}]}""".formatted(uint8(3, 2)));
        JsonNode answer = reply.ok();
        assertEquals(model, answer.get("model_name").asText());
        assertEquals("1", answer.get("model_version").asText());
        assertEquals("42", answer.get("id").asText());
        Map<String, JsonNode> outputs = byName(answer.get("outputs"));
        assertEquals(2, outputs.size());

        JsonNode prediction = outputs.get("prediction");
        assertEquals("INT64", prediction.get("datatype").asText());
        assertEquals(List.of(2), ints(prediction.get("shape")));
        assertEquals(List.of(head.predict(test.rows()[3]), head.predict(test.rows()[4])), ints(prediction.get("data")));

        JsonNode probabilities = outputs.get("probabilities");
        assertEquals("FP32", probabilities.get("datatype").asText());
        assertEquals(List.of(2, classes), ints(probabilities.get("shape")));
        double[] p = doubles(probabilities.get("data"));
        assertEquals(2 * classes, p.length);
        for (int i = 0; i < 2; i++) {
            double[] row = Arrays.copyOfRange(p, i * classes, (i + 1) * classes);
            assertEquals(1.0, Arrays.stream(row).sum(), 1e-4);
            int argmax = IntStream.range(0, classes).reduce((a, b) -> row[b] > row[a] ? b : a).orElseThrow();
            assertEquals(prediction.get("data").get(i).asInt(), argmax);
        }

        // The same images under another name; no id asked, none echoed.
        JsonNode twin = post("/v2/models/twin/versions/1/infer", """
                {"inputs": [{"name": "input", "shape": [2, 1, 28, 28], "datatype": "UINT8", "data": %s}]}"""
                .formatted(uint8(3, 2))).ok();
        assertEquals("twin", twin.get("model_name").asText());
        assertFalse(twin.has("id"));
        sameAnswer(answer.get("outputs"), twin.get("outputs"));
    }

    @Test
    void nestedFlatUint8AndFp32AreTheSameTensor() throws Exception {
        String path = "/v2/models/" + model + "/infer";
        JsonNode flat = post(path, infer("[2, 1, 28, 28]", "UINT8", uint8(7, 2))).ok().get("outputs");
        JsonNode nested = post(path, infer("[2, 1, 28, 28]", "UINT8", nest(uint8Values(7, 2), 2, 1, 28, 28)))
                .ok().get("outputs");
        JsonNode fp32 = post(path, infer("[2, 1, 28, 28]", "FP32", fp32(7, 2))).ok().get("outputs");
        JsonNode fp32Nested = post(path, infer("[2, 1, 28, 28]", "FP32", nest(fp32Values(7, 2), 2, 1, 28, 28)))
                .ok().get("outputs");
        sameAnswer(flat, nested);
        sameAnswer(flat, fp32);
        sameAnswer(flat, fp32Nested);

        // One image without the batch dimension: a batch of one.
        JsonNode single = post(path, infer("[1, 28, 28]", "UINT8", uint8(7, 1))).ok();
        JsonNode prediction = byName(single.get("outputs")).get("prediction");
        assertEquals(List.of(1), ints(prediction.get("shape")));
        assertEquals(head.predict(test.rows()[7]), prediction.get("data").get(0).asInt());
    }

    @Test
    void requestedOutputsOnly() throws Exception {
        String path = "/v2/models/" + model + "/infer";
        JsonNode only = post(path, """
                {"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "UINT8", "data": %s}],
                 "outputs": [{"name": "prediction", "parameters": {"binary_data": false}}]}"""
                .formatted(uint8(0, 1))).ok();
        assertEquals(List.of("prediction"), strings(only.get("outputs"), "name"));
        assertEquals(head.predict(test.rows()[0]), only.get("outputs").get(0).get("data").get(0).asInt());

        JsonNode probabilities = post(path, """
                {"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "UINT8", "data": %s}],
                 "outputs": [{"name": "probabilities"}]}""".formatted(uint8(0, 1))).ok();
        assertEquals(List.of("probabilities"), strings(probabilities.get("outputs"), "name"));

        post(path, """
                {"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "UINT8", "data": %s}],
                 "outputs": [{"name": "logits"}]}""".formatted(uint8(0, 1))).error(400, "UNKNOWN_OUTPUT");
    }

    @Test
    void badTensorsAreRefused() throws Exception {
        String path = "/v2/models/" + model + "/infer";
        String pixels = uint8(0, 1);
        post(path, infer("[1, 1, 14, 56]", "UINT8", pixels)).error(400, "BAD_SHAPE");
        post(path, infer("[1, 3, 28, 28]", "UINT8", pixels)).error(400, "BAD_SHAPE");
        post(path, infer("[0, 1, 28, 28]", "UINT8", "[]")).error(400, "BAD_SHAPE");
        post(path, infer("[257, 1, 28, 28]", "UINT8", "[]")).error(400, "BAD_SHAPE");
        post(path, infer("[784]", "UINT8", pixels)).error(400, "BAD_SHAPE");
        post(path, infer("[1, 1, 28, 28]", "INT32", pixels)).error(400, "BAD_DATATYPE");
        post(path, infer("[1, 1, 28, 28]", "FP64", pixels)).error(400, "BAD_DATATYPE");
        post(path, infer("[2, 1, 28, 28]", "UINT8", pixels)).error(400, "BAD_DATA");
        post(path, infer("[1, 1, 28, 28]", "UINT8", "[" + "1, ".repeat(783) + "\"1\"]")).error(400, "BAD_DATA");
        post(path, infer("[1, 1, 28, 28]", "UINT8", "[" + "1, ".repeat(783) + "0.5]")).error(400, "BAD_DATA");
        post(path, infer("[1, 1, 28, 28]", "UINT8", "[" + "1, ".repeat(783) + "256]")).error(400, "OUT_OF_RANGE");
        post(path, infer("[1, 1, 28, 28]", "UINT8", "[" + "1, ".repeat(783) + "-1]")).error(400, "OUT_OF_RANGE");
        // Nested, but not as the shape: 28 rows of 28 without the channel level.
        post(path, infer("[1, 1, 28, 28]", "UINT8", "[" + nest(uint8Values(0, 1), 28, 28) + "]"))
                .error(400, "BAD_DATA");
        // Python's json.dumps writes NaN and Infinity as bare words.
        post(path, infer("[1, 1, 28, 28]", "FP32", "[NaN" + ", 0.5".repeat(783) + "]")).error(400, "NON_FINITE");
        post(path, infer("[1, 1, 28, 28]", "FP32", "[0.5" + ", -Infinity".repeat(783) + "]"))
                .error(400, "NON_FINITE");
        post(path, infer("[1, 1, 28, 28]", "FP32", "[1.5" + ", 0.5".repeat(783) + "]")).error(400, "OUT_OF_RANGE");
        post(path, infer("[1, 1, 28, 28]", "FP32", "[255" + ", 0.5".repeat(783) + "]")).error(400, "OUT_OF_RANGE");
    }

    @Test
    void badBodiesAreRefused() throws Exception {
        String path = "/v2/models/" + model + "/infer";
        post(path, "{}").error(400, "BAD_INPUT");
        post(path, "{\"inputs\": []}").error(400, "BAD_INPUT");
        String one = "{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"UINT8\", \"data\": "
                + uint8(0, 1) + "}";
        post(path, "{\"inputs\": [" + one + ", " + one + "]}").error(400, "BAD_INPUT");
        post(path, "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28, 28], \"datatype\": \"UINT8\"}]}")
                .error(400, "BAD_REQUEST");
        String misfit = post(path, "{\"inputs\": 3}").error(400, "BAD_REQUEST");
        assertTrue(misfit.contains("\"inputs\"") && !misfit.contains("io.salve"), misfit);
        String unknown = post(path, "{\"inputs\": [], \"input\": []}").error(400, "BAD_REQUEST");
        assertTrue(unknown.contains("\"input\"") && !unknown.contains("io.salve"), unknown);
        post(path, "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 28.5, 28], \"datatype\": \"UINT8\", "
                + "\"data\": []}]}").error(400, "BAD_REQUEST");
        post(path, "{\"inputs\": [").error(400, "BAD_JSON");
        post(path, "[1, 2]").error(400, "BAD_JSON");
        post(path, "").error(400, "BAD_JSON");
        post(path, infer("[1, 1, 28, 28]", "UINT8", uint8(0, 1)), "Inference-Header-Content-Length", "120")
                .error(400, "BINARY_UNSUPPORTED");
        String tooLarge = infer("[1, 1, 28, 28]", "FP32", "[" + "0.5, ".repeat(20_000) + "0.5]");
        post(path, tooLarge).error(413, "TOO_LARGE");
    }

    @Test
    void modelsThatCannotAnswer() throws Exception {
        String body = infer("[1, 1, 28, 28]", "UINT8", uint8(0, 1));
        post("/v2/models/nothing/infer", body).error(404, "UNKNOWN_MODEL");
        post("/v2/models/" + model + "/versions/9/infer", body).error(404, "UNKNOWN_VERSION");
        post("/v2/models/warming/infer", body).error(503, "MODEL_NOT_READY");
        post("/v2/models/leaving/infer", body).error(503, "MODEL_UNLOADING");

        directory.add("stuck", "1", true, r -> new CompletableFuture<>());
        serve(Duration.ofMillis(300));
        post("/v2/models/stuck/infer", body).error(504, "TIMEOUT");
    }

    @Test
    void unroutedRequestsGetTheProtocolsErrorShape() throws Exception {
        get("/v2/nothing").error(404, "NOT_FOUND");
        get("/v2/models/" + model + "/infer").error(405, "METHOD_NOT_ALLOWED");
        post("/v2/health/live", "{}").error(405, "METHOD_NOT_ALLOWED");
    }

    // ---- model repository --------------------------------------------------------------------------------------

    @Test
    void repositoryIndexListsTheServedModels() throws Exception {
        JsonNode index = post("/v2/repository/index", "").ok();
        assertEquals(List.of(model, "leaving", "twin", "warming"), strings(index, "name"));
        Map<String, JsonNode> models = byName(index);
        assertEquals(directory.served.keySet(), models.keySet());
        assertEquals("READY", models.get(model).get("state").asText());
        assertEquals("1", models.get(model).get("version").asText());
        assertEquals("UNAVAILABLE", models.get("warming").get("state").asText());
        assertFalse(models.get("warming").get("reason").asText().isBlank());

        JsonNode ready = post("/v2/repository/index", "{\"ready\": true}").ok();
        assertFalse(byName(ready).containsKey("warming"));
        assertTrue(byName(ready).containsKey(model));
        post("/v2/repository/index", "{\"ready\": \"yes\"}").error(400, "BAD_REQUEST");
    }

    @Test
    void loadAndUnloadNeedTheOperatorToken() throws Exception {
        Reply load = post("/v2/repository/models/fresh/load", "");
        load.error(401, "UNAUTHORIZED");
        assertNotNull(load.header("WWW-Authenticate"), load::toString);
        post("/v2/repository/models/" + model + "/unload", "").error(401, "UNAUTHORIZED");
        post("/v2/repository/models/fresh/load", "", "Authorization", "Bearer wrong").error(401, "UNAUTHORIZED");
        assertEquals(List.of(), directory.loads);
        assertTrue(directory.served.containsKey(model));
    }

    @Test
    void loadAndUnloadThroughTheDirectory() throws Exception {
        get("/v2/models/fresh").error(404, "UNKNOWN_MODEL");
        Reply loaded = operator("/v2/repository/models/fresh/load", "");
        assertEquals(200, loaded.status(), loaded::toString);
        assertEquals(List.of("fresh"), directory.loads);
        assertEquals("fresh", get("/v2/models/fresh").ok().get("name").asText());
        assertEquals(200, operator("/v2/repository/models/fresh/load", "{\"parameters\": {}}").status());

        operator("/v2/repository/models/fresh/load", "{\"parameters\": {\"config\": \"{}\"}}")
                .error(400, "BAD_PARAMETER");
        operator("/v2/repository/models/missing/load", "").error(404, "BUNDLE_NOT_FOUND");
        operator("/v2/repository/models/fresh/load", "{\"params\": {}}").error(400, "BAD_REQUEST");

        Reply unloaded = operator("/v2/repository/models/fresh/unload",
                "{\"parameters\": {\"unload_dependents\": false}}");
        assertEquals(200, unloaded.status(), unloaded::toString);
        get("/v2/models/fresh").error(404, "UNKNOWN_MODEL");
        operator("/v2/repository/models/fresh/unload", "").error(404, "UNKNOWN_MODEL");
        operator("/v2/repository/models/twin/unload", "{\"parameters\": {\"force\": true}}")
                .error(400, "BAD_PARAMETER");
        assertTrue(directory.served.containsKey("twin"));
    }

    static CompletionStage<InferenceResult> pool(InferenceRequest request) {
        return AskPattern.ask(fixture.pool, replyTo -> new ReplicaPool.Infer(request, replyTo), Duration.ofSeconds(10),
                fixture.kit.scheduler());
    }

    // ---- tensors as a client writes them -----------------------------------------------------------------------

    static String infer(String shape, String datatype, String data) {
        return "{\"inputs\": [{\"name\": \"input\", \"shape\": " + shape + ", \"datatype\": \"" + datatype
                + "\", \"data\": " + data + "}]}";
    }

    /** Test images {@code from ..} as UINT8 integers, as numpy's {@code tolist()} of a uint8 array. */
    static List<String> uint8Values(int from, int count) {
        int size = images.imageSize();
        return IntStream.range(from * size, (from + count) * size)
                .mapToObj(i -> Integer.toString(images.pixels()[i] & 0xff)).toList();
    }

    /** The same as float32 intensities in [0, 1], printed as Python prints a float32 widened to a double. */
    static List<String> fp32Values(int from, int count) {
        int size = images.imageSize();
        return IntStream.range(from * size, (from + count) * size)
                .mapToObj(i -> Double.toString((images.pixels()[i] & 0xff) / 255f)).toList();
    }

    static String uint8(int from, int count) {
        return "[" + String.join(", ", uint8Values(from, count)) + "]";
    }

    static String fp32(int from, int count) {
        return "[" + String.join(", ", fp32Values(from, count)) + "]";
    }

    /** Row-major values nested as {@code dims}. */
    static String nest(List<String> values, int... dims) {
        if (dims.length == 1) {
            return "[" + String.join(", ", values) + "]";
        }
        int inner = values.size() / dims[0];
        int[] rest = Arrays.copyOfRange(dims, 1, dims.length);
        return IntStream.range(0, dims[0]).mapToObj(i -> nest(values.subList(i * inner, (i + 1) * inner), rest))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /**
     * The same predictions and, up to rounding, probabilities: the replicas may batch the images differently from
     * one request to the next.
     */
    static void sameAnswer(JsonNode expected, JsonNode actual) {
        Map<String, JsonNode> e = byName(expected);
        Map<String, JsonNode> a = byName(actual);
        assertEquals(e.keySet(), a.keySet());
        assertEquals(e.get("prediction"), a.get("prediction"));
        assertEquals(e.get("probabilities").get("shape"), a.get("probabilities").get("shape"));
        assertArrayEquals(doubles(e.get("probabilities").get("data")), doubles(a.get("probabilities").get("data")),
                1e-5);
    }

    // ---- client ------------------------------------------------------------------------------------------------

    record Reply(int status, HttpResponse<byte[]> raw) {

        JsonNode json() {
            try {
                return JSON.readTree(raw.body());
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + this, e);
            }
        }

        JsonNode ok() {
            assertEquals(200, status, this::toString);
            return json();
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        /** The protocol's {@code {"error": "CODE: message"}}, with the code also as {@code "code"}. */
        String error(int status, String code) {
            assertEquals(status, this.status, this::toString);
            JsonNode body = json();
            assertTrue(body.path("error").isTextual(), this::toString);
            String message = body.get("error").asText();
            assertTrue(message.startsWith(code + ": ") && message.length() > code.length() + 2, this::toString);
            assertEquals(code, body.path("code").asText(), this::toString);
            return message;
        }

        @Override
        public String toString() {
            return status + " " + new String(raw.body(), StandardCharsets.UTF_8);
        }
    }

    Reply get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    Reply post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    Reply operator(String path, String body) throws Exception {
        return post(path, body, "Authorization", "Bearer " + TOKEN);
    }

    static Reply send(HttpRequest.Builder request) throws Exception {
        HttpResponse<byte[]> raw = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(raw.statusCode(), raw);
    }

    static List<String> strings(JsonNode array) {
        return IntStream.range(0, array.size()).mapToObj(i -> array.get(i).asText()).toList();
    }

    static List<String> strings(JsonNode array, String field) {
        return IntStream.range(0, array.size()).mapToObj(i -> array.get(i).get(field).asText()).toList();
    }

    static List<Integer> ints(JsonNode array) {
        return IntStream.range(0, array.size()).mapToObj(i -> array.get(i).asInt()).toList();
    }

    static double[] doubles(JsonNode array) {
        return IntStream.range(0, array.size()).mapToDouble(i -> array.get(i).asDouble()).toArray();
    }

    static Map<String, JsonNode> byName(JsonNode array) {
        return IntStream.range(0, array.size()).mapToObj(array::get)
                .collect(Collectors.toMap(n -> n.get("name").asText(), n -> n));
    }
}
