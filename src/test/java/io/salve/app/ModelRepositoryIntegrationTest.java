package io.salve.app;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.cli.SalveCli;
import io.salve.core.Progress;
import io.salve.kafka.DemoTraffic;
import io.salve.kafka.KafkaTestUtil;
import io.salve.model.Bundle;
import io.salve.model.Inference;
import io.salve.model.Network;
import io.salve.serve.InferenceResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several models served at once on the real broker: the small bundle as the default model ("bundle") and a second
 * bundle trained with another seed in the model repository ("second"), each answering its own requests, each with
 * its own edits; models loaded, reloaded and unloaded while requests flow.
 */
class ModelRepositoryIntegrationTest {

    static final int N = 300;
    static Path repository;
    static int[] secondOffline;

    @BeforeAll
    static void trainSecondBundle() throws IOException {
        ServiceIntegrationTest.trainSmallBundle();
        repository = Files.createTempDirectory("salve-model-repository");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ServiceIntegrationTest.deleteTree(repository)));
        Path second = repository.resolve("second");
        assertEquals(0, SalveCli.commandLine().execute("train", "--arch", "cnn", "--epochs", "1", "--limit", "1000",
                "--seed", "7", "--out", second.toString()));
        assertEquals(0, SalveCli.commandLine().execute("sae", "--bundle", second.toString(), "--latents", "16",
                "--epochs", "1"));
        assertEquals(0, SalveCli.commandLine().execute("features", "--bundle", second.toString()));
        Bundle bundle = Bundle.open(second);
        try (Network network = bundle.loadNetwork(Device.cpu())) {
            secondOffline = Inference.of(network, bundle.metadata(), 500).predict(
                    ServiceIntegrationTest.test.head(N), Progress.NONE);
        }
    }

    static Config config(Path dir) {
        return ConfigFactory.parseString("salve.models = \"" + repository + "\"")
                .withFallback(LiveEditsIntegrationTest.config(dir));
    }

    /** Test image {@code n} as a request for {@code model} (null: none named). */
    static Map.Entry<String, byte[]> request(int n, String id, String model) {
        return new AbstractMap.SimpleEntry<>(id, DemoTraffic.request(id, model, ServiceIntegrationTest.test, n));
    }

    @Test
    void twoModelsAnswerTheirOwnRequestsAndAnEditOnOneLeavesTheOtherAlone(@TempDir Path dir) throws Exception {
        try (SalveService service = SalveService.start(config(dir), Progress.NONE)) {
            JsonNode listing = LiveEditsIntegrationTest.get(service, "/v1/models");
            assertEquals("bundle", listing.get("defaultModel").asText());
            assertEquals(List.of("bundle", "second"), names(listing));
            assertEquals("[1,28,28]", listing.at("/models/1/inputShape").toString());
            assertEquals(16, listing.at("/models/1/sae/latents").asInt());

            produceInterleaved(service, "a");
            Map<String, List<InferenceResult>> results = ServiceIntegrationTest.results(service.bootstrapServers());
            assertAnsweredByTheirModels(results, "a", 0L, 0L);

            // An edit on the default model: its version moves, the second's predictions and version do not.
            int feature = LiveEditsIntegrationTest.get(service, "/v1/features?model=bundle")
                    .at("/classes/0/dominantFeature").asInt();
            LiveEditsIntegrationTest.send(service, "POST", "/v1/edits?model=bundle", """
                    {"feature": %d, "method": "rank1", "direction": "suppress", "alpha": 1.0,
                     "author": "test", "reason": "one model only"}""".formatted(feature), 201);
            assertEquals(0, LiveEditsIntegrationTest.get(service, "/v1/edits?model=second").get("version").asInt());
            produceInterleaved(service, "b");
            assertAnsweredByTheirModels(ServiceIntegrationTest.results(service.bootstrapServers()), "b", 1L, 0L);

            // The same models over the Open Inference Protocol, as a Triton or KServe client would ask.
            assertEquals("[-1,1,28,28]", LiveEditsIntegrationTest.get(service, "/v2/models/second")
                    .at("/inputs/0/shape").toString());
            StringBuilder pixels = new StringBuilder();
            for (int i = 0; i < 784; i++) {
                pixels.append(i == 0 ? "" : ",").append(ServiceIntegrationTest.test.pixels()[784 + i] & 0xff);
            }
            JsonNode v2 = LiveEditsIntegrationTest.send(service, "POST", "/v2/models/second/infer", """
                    {"id": "v2-1", "inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "UINT8",
                     "data": [%s]}], "outputs": [{"name": "prediction"}]}""".formatted(pixels), 200);
            assertEquals(secondOffline[1], v2.at("/outputs/0/data/0").asInt(), v2.toString());
            assertEquals("second", v2.get("model_name").asText());
            // And over /v1/infer, the model named by ?model= (the body names none).
            JsonNode v1 = LiveEditsIntegrationTest.send(service, "POST", "/v1/infer?model=second",
                    new String(DemoTraffic.request("v1-1", ServiceIntegrationTest.test, 1), StandardCharsets.UTF_8), 200);
            assertEquals("second", v1.get("model").asText());
            assertEquals(secondOffline[1], v1.get("prediction").asInt(), v1.toString());

            String metrics = ServiceIntegrationTest.httpBody(service, "/metrics");
            // A third of each round named "second", and the HTTP answers; the rest went to the default model.
            assertTrue(metrics.contains("salve_requests_total{code=\"OK\",model=\"second\"} " + (2 * N / 3 + 2) + ".0")
                    && metrics.contains("salve_requests_total{code=\"OK\",model=\"bundle\"} " + 2 * (N - N / 3)
                    + ".0"), metrics);
            assertTrue(metrics.contains("salve_edit_version{model=\"bundle\"} 1.0")
                    && metrics.contains("salve_edit_version{model=\"second\"} 0.0"), metrics);
            ServiceIntegrationTest.assertPromtoolAccepts(metrics);
        }
    }

    /** Image n goes to "second" when n % 3 == 1, to "bundle" by name when n % 3 == 2, else names no model. */
    private static void produceInterleaved(SalveService service, String prefix) throws Exception {
        List<Map.Entry<String, byte[]>> records = new ArrayList<>();
        for (int n = 0; n < N; n++) {
            records.add(request(n, prefix + "-" + n, switch (n % 3) {
                case 1 -> "second";
                case 2 -> "bundle";
                default -> null;
            }));
        }
        long before = countResults(service);
        KafkaTestUtil.produce(service.bootstrapServers(), "salve.requests", records);
        ServiceIntegrationTest.awaitResults(service.bootstrapServers(), (int) before + N, Duration.ofSeconds(120));
    }

    private static long countResults(SalveService service) {
        try (var admin = KafkaTestUtil.admin(service.bootstrapServers())) {
            return KafkaTestUtil.count(admin, "salve.results");
        }
    }

    private static void assertAnsweredByTheirModels(Map<String, List<InferenceResult>> results, String prefix,
                                                    long bundleVersion, long secondVersion) {
        for (int n = 0; n < N; n++) {
            List<InferenceResult> rs = results.get(prefix + "-" + n);
            assertNotNull(rs, prefix + "-" + n);
            assertEquals(1, rs.size(), prefix + "-" + n);
            InferenceResult r = rs.get(0);
            assertNull(r.error(), r.toString());
            if (n % 3 == 1) {
                assertEquals("second", r.model());
                assertEquals(secondOffline[n], r.prediction(), r.toString());
                assertEquals(secondVersion, r.editVersion());
            } else {
                assertEquals("bundle", r.model());
                assertEquals(bundleVersion, r.editVersion());
                if (bundleVersion == 0) {
                    ServiceIntegrationTest.assertMatchesOffline(n, r.prediction());
                }
            }
        }
    }

    @Test
    void modelsLoadedReloadedAndUnloadedUnderLoadLoseNoRequest(@TempDir Path dir) throws Exception {
        try (SalveService service = SalveService.start(config(dir), Progress.NONE)) {
            // Put into the repository while serving, as an operator would.
            copyTree(repository.resolve("second"), repository.resolve("third"));
            AtomicBoolean feeding = new AtomicBoolean(true);
            AtomicInteger sent = new AtomicInteger();
            List<String> thirdIds = new ArrayList<>();
            AtomicBoolean third = new AtomicBoolean();
            Thread feeder = new Thread(() -> {
                // ~500 requests/s to the default model, and to "third" once it is loaded.
                while (feeding.get()) {
                    List<Map.Entry<String, byte[]>> chunk = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        int n = sent.getAndIncrement();
                        chunk.add(request(n % N, "load-" + n, null));
                        if (third.get()) {
                            String id = "third-" + n;
                            synchronized (thirdIds) {
                                thirdIds.add(id);
                            }
                            chunk.add(request(n % N, id, "third"));
                        }
                    }
                    KafkaTestUtil.produce(service.bootstrapServers(), "salve.requests", chunk);
                    LiveEditsIntegrationTest.sleep(50);
                }
            });
            feeder.start();
            LiveEditsIntegrationTest.sleep(1000);
            JsonNode loaded = LiveEditsIntegrationTest.send(service, "POST", "/v1/models/third", null, 200);
            assertEquals("1", loaded.get("version").asText());
            third.set(true);
            LiveEditsIntegrationTest.sleep(1500);
            // Reload: version 2 takes over only when warmed up; version 1 answers until then.
            JsonNode reloaded = LiveEditsIntegrationTest.send(service, "POST", "/v1/models/third", "{\"bundle\": \"third\"}",
                    200);
            assertEquals("2", reloaded.get("version").asText());
            LiveEditsIntegrationTest.send(service, "DELETE", "/v1/models/second", null, 200);
            LiveEditsIntegrationTest.sleep(1000);
            feeding.set(false);
            feeder.join();
            // Outside the repository, or not a bundle: refused with stable codes.
            LiveEditsIntegrationTest.send(service, "POST", "/v1/models/x", "{\"bundle\": \"../../etc\"}", 400);
            LiveEditsIntegrationTest.send(service, "POST", "/v1/models/nothing", null, 404);
            // A bundle that cannot be loaded leaves what is served as it was.
            Files.createDirectories(repository.resolve("broken"));
            Files.copy(repository.resolve("second/bundle.json"), repository.resolve("broken/bundle.json"));
            JsonNode broken = LiveEditsIntegrationTest.send(service, "POST", "/v1/models/broken", null, 409);
            assertTrue(broken.at("/error/code").asText().startsWith("BUNDLE_"), broken.toString());
            // Whole, but with a backbone its replicas cannot load: the load fails, the service goes on.
            copyTree(repository.resolve("second"), repository.resolve("corrupt"));
            Files.write(repository.resolve("corrupt/backbone.params"), new byte[] {1, 2, 3});
            JsonNode corrupt = LiveEditsIntegrationTest.send(service, "POST", "/v1/models/corrupt", null, 409);
            assertEquals("MODEL_LOAD_FAILED", corrupt.at("/error/code").asText(), corrupt.toString());
            // A failed reload leaves the old version serving, its edit registry included.
            LiveEditsIntegrationTest.send(service, "POST", "/v1/models/third", "{\"bundle\": \"corrupt\"}", 409);
            assertEquals("2", LiveEditsIntegrationTest.get(service, "/v1/models/third").get("version").asText());
            int feature = LiveEditsIntegrationTest.get(service, "/v1/features?model=third")
                    .at("/classes/0/dominantFeature").asInt();
            JsonNode edited = LiveEditsIntegrationTest.send(service, "POST", "/v1/edits?model=third", """
                    {"feature": %d, "method": "rank1", "direction": "suppress", "alpha": 1.0}""".formatted(feature), 201);
            assertEquals(1, edited.get("version").asInt(), edited.toString());
            LiveEditsIntegrationTest.send(service, "DELETE", "/v1/models/second", null, 404);

            int expected = sent.get() + thirdIds.size();
            ServiceIntegrationTest.awaitResults(service.bootstrapServers(), expected, Duration.ofSeconds(120));
            Map<String, List<InferenceResult>> results = ServiceIntegrationTest.results(service.bootstrapServers());
            for (int n = 0; n < sent.get(); n++) {
                InferenceResult r = results.get("load-" + n).get(0);
                assertNull(r.error(), r.toString());
                assertEquals("bundle", r.model());
            }
            for (String id : thirdIds) {
                List<InferenceResult> rs = results.get(id);
                assertNotNull(rs, id);
                assertNull(rs.get(0).error(), rs.get(0).toString());
                assertEquals("third", rs.get(0).model());
            }
            assertEquals(List.of("bundle", "third"), names(LiveEditsIntegrationTest.get(service, "/v1/models")));
            Map.Entry<String, byte[]> gone = request(0, "gone-0", "second");
            KafkaTestUtil.produce(service.bootstrapServers(), "salve.requests", List.of(gone));
            ServiceIntegrationTest.awaitResults(service.bootstrapServers(), expected + 1, Duration.ofSeconds(30));
            assertEquals("UNKNOWN_MODEL", ServiceIntegrationTest.results(service.bootstrapServers()).get("gone-0")
                    .get(0).error().code());
        } finally {
            ServiceIntegrationTest.deleteTree(repository.resolve("third"));
            ServiceIntegrationTest.deleteTree(repository.resolve("broken"));
            ServiceIntegrationTest.deleteTree(repository.resolve("corrupt"));
        }
    }

    private static List<String> names(JsonNode listing) {
        List<String> names = new ArrayList<>();
        listing.get("models").forEach(m -> names.add(m.get("name").asText()));
        return names;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }
}
