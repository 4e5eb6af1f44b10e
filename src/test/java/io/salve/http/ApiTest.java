package io.salve.http;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.salve.app.GradFamCache;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.data.DataSources;
import io.salve.data.ImageSet;
import io.salve.edits.EditRegistry;
import io.salve.edits.RegistryActorClient;
import io.salve.model.Activations;
import io.salve.model.Bundle;
import io.salve.pipeline.Discovery;
import io.salve.serve.ReplicaPool;
import io.salve.wire.RequestCodec;
import io.salve.wire.RequestRouter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator API over real HTTP (bound on a free port, called with {@link HttpClient}) on a real small bundle, the
 * real edit registry (on Pekko's in-memory test journal) and a real replica pool; each test starts with an empty
 * registry. Every call a test makes is also checked against the OpenAPI document: a path the server routes must be
 * documented with that method.
 */
abstract class ApiTest {

    static final String TOKEN = "s3cret-token";
    static final ObjectMapper JSON = new ObjectMapper();
    static final double MAX_ALPHA = ConfigFactory.load().getDouble("salve.edits.max-alpha");
    /** salve.edits.max-active, small here so that a test reaches it. */
    static final int MAX_ACTIVE = 4;
    static final AtomicInteger REGISTRIES = new AtomicInteger();
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    static ApiFixture fixture;
    static ActorTestKit kit;
    static Bundle bundle;
    static String model;
    static Head head;
    static Sae sae;
    static Activations test;
    static JsonNode catalog;
    static ImageSet testImages;
    static Discovery.DataRef data;
    static RequestCodec codec;
    static JsonNode openApi;

    @RegisterExtension
    static final BeforeAllCallback SHARED = context -> {
        fixture = ApiFixture.of(context);
        kit = fixture.kit;
        bundle = fixture.bundle;
        model = fixture.model;
        head = bundle.head();
        sae = bundle.sae();
        test = bundle.cachedActivations("test").orElseThrow();
        catalog = JSON.readTree(bundle.file("catalog.json").toFile());
        data = Discovery.dataOf(bundle, null);
        testImages = DataSources.load(data.name(), data.dir(), false);
        codec = new RequestCodec(bundle.inputSpec(), head.numClasses(), 1 << 20, model);
        openApi = JSON.readTree(OperatorApi.class.getResourceAsStream("/openapi/operator-api.json"));
    };

    ActorRef<EditRegistry.Command> registry;
    RegistryActorClient edits;
    ServerBinding binding;
    String base;
    ListAppender<ILoggingEvent> warnings;

    /** A fresh, empty registry of the model (the journal is emptied first), and an API over it. */
    @BeforeEach
    void start() {
        warnings = new ListAppender<>();
        warnings.start();
        ((Logger) LoggerFactory.getLogger(BearerAuth.class)).addAppender(warnings);
        PersistenceTestKit.create(kit.system()).clearAll();
        registry = kit.spawn(EditRegistry.create(model, head, sae,
                new EditRegistry.Settings(MAX_ALPHA, MAX_ACTIVE, 100, 2, "", "")),
                "edits-" + REGISTRIES.incrementAndGet());
        edits = new RegistryActorClient(registry, kit.system(), Duration.ofSeconds(5));
        serve(settings(TOKEN, false));
    }

    @AfterEach
    void unbind() {
        binding.unbind().toCompletableFuture().join();
        kit.stop(registry);
        ((Logger) LoggerFactory.getLogger(BearerAuth.class)).detachAppender(warnings);
    }

    static ApiSettings settings(String token, boolean protectReads) {
        return new ApiSettings(token, "", protectReads, 4096, Duration.ofSeconds(10), MAX_ALPHA);
    }

    /** (Re)binds an API with these settings over the test's registry, as a restarted service would. */
    void serve(ApiSettings settings) {
        if (binding != null) {
            binding.unbind().toCompletableFuture().join();
        }
        ServedModel served = ServedModel.of(model, bundle, test);
        TestModels one = new TestModels(model, bundle, request -> AskPattern.ask(fixture.pool,
                replyTo -> new ReplicaPool.Infer(request, replyTo), Duration.ofSeconds(10), kit.scheduler()));
        OperatorApi api = new OperatorApi(one, one, new RequestRouter(name -> one.find(name).isPresent() ? codec : null,
                codec.maxBytes()), ForkJoinPool.commonPool(), settings, result -> { });
        api.serve(served, edits, new GradFamCache(bundle, data, served.catalog()));
        binding = Http.get(kit.system()).newServerAt("127.0.0.1", 0).bind(api.routes()).toCompletableFuture().join();
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
        return edits.current().toCompletableFuture().join().version();
    }

    static List<String> ids(JsonNode state) {
        return stream(state.get("active")).map(a -> a.get("id").asText()).toList();
    }

    static Stream<JsonNode> stream(JsonNode array) {
        return IntStream.range(0, array.size()).mapToObj(array::get);
    }

    static Set<String> allowed(Reply reply) {
        String allow = reply.header("Allow");
        assertNotNull(allow, reply::toString);
        return Set.of(allow.split(",\\s*"));
    }
}
