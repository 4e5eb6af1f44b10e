package io.salve.app;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.cli.SalveCli;
import io.salve.core.Head;
import io.salve.core.Progress;
import io.salve.data.FashionMnist;
import io.salve.data.ImageSet;
import io.salve.kafka.JsonSchemas;
import io.salve.kafka.KafkaTestUtil;
import io.salve.model.Bundle;
import io.salve.model.Inference;
import io.salve.model.Network;
import io.salve.serve.InferenceResult;
import io.salve.wire.RequestCodec;
import io.salve.wire.ResultCodec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service end to end: a real embedded broker, the real Fashion-MNIST images, a small bundle trained here, the
 * actors and the Kafka stream. Each test starts its own service (and broker) in its own directory.
 */
class ServiceIntegrationTest {

    static final int GOOD = 2000;
    static final int BAD = 200;

    static Path bundleDir;
    static ImageSet test;
    static int[] offline;
    static double[][] offlineLogits;
    /** The bundle's activations of the first {@link #GOOD} test images, computed offline. */
    static float[][] activations;

    /** Trains the small bundle once per test JVM; the live-edit tests serve it too. */
    @BeforeAll
    static synchronized void trainSmallBundle() throws IOException {
        if (bundleDir != null) {
            return;
        }
        KafkaTestUtil.quietKafkaLogs();
        Path shared = Files.createTempDirectory("salve-served-bundle");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(shared)));
        Path dir = shared.resolve("bundle");
        int code = SalveCli.commandLine().execute("train", "--arch", "cnn", "--epochs", "1", "--limit", "2000",
                "--out", dir.toString());
        assertEquals(0, code);
        assertEquals(0, SalveCli.commandLine().execute("sae", "--bundle", dir.toString(), "--latents", "16",
                "--epochs", "2"));
        assertEquals(0, SalveCli.commandLine().execute("features", "--bundle", dir.toString()));
        test = FashionMnist.test(FashionMnist.defaultDir()).head(GOOD);
        Bundle bundle = Bundle.open(dir);
        Head head = bundle.head();
        try (Network network = bundle.loadNetwork(Device.cpu())) {
            activations = Inference.of(network, bundle.metadata(), 500).activations(test, Progress.NONE).rows();
        }
        offline = new int[GOOD];
        offlineLogits = new double[GOOD][];
        for (int n = 0; n < GOOD; n++) {
            offlineLogits[n] = head.logits(activations[n]);
            offline[n] = head.predict(activations[n]);
        }
        bundleDir = dir;
    }

    static Config config(Path dir) {
        return ConfigFactory.parseString(overrides(dir)).withFallback(ConfigFactory.defaultReferenceUnresolved())
                .resolve();
    }

    /** The service in {@code dir}, on free ports, serving the small bundle on the CPU. */
    static String overrides(Path dir) {
        return """
                salve.bundle = "%s"
                salve.replicas.devices = ["cpu"]
                salve.http.port = 0
                salve.kafka.embedded.port = 0
                salve.kafka.embedded.data-dir = "%s"
                salve.kafka.partitions = 2
                salve.edits.h2.dir = "%s"
                """.formatted(bundleDir, dir.resolve("kafka"), dir.resolve("journal"));
    }

    static Map.Entry<String, byte[]> good(int n) {
        return good(n, "img-" + n);
    }

    /** Test image {@code n} as a request with id {@code id}. */
    static Map.Entry<String, byte[]> good(int n, String id) {
        byte[] pixels = new byte[test.imageSize()];
        System.arraycopy(test.pixels(), n * test.imageSize(), pixels, 0, pixels.length);
        return new AbstractMap.SimpleEntry<>(id, RequestCodec.encodeUint8(id, new int[] {1, 28, 28}, pixels, 0,
                test.labels()[n]));
    }

    /** Ten kinds of bad input, each a stable error code. */
    static Map.Entry<String, byte[]> bad(int n) {
        String id = "bad-" + n;
        String json = switch (n % 5) {
            case 0 -> "not json at all " + n;
            case 1 -> "{\"id\":\"" + id + "\"}";
            case 2 -> "{\"id\":\"" + id + "\",\"tensor\":{\"dtype\":\"uint8\",\"shape\":[3,28,28],\"data\":\"AAAA\"}}";
            case 3 -> "{\"id\":\"" + id + "\",\"tensor\":{\"dtype\":\"int64\",\"shape\":[1,28,28],\"data\":\"AAAA\"}}";
            default -> "{\"id\":\"" + id + "\",\"image\":\"aGVsbG8=\"}";
        };
        return new AbstractMap.SimpleEntry<>(id, json.getBytes(StandardCharsets.UTF_8));
    }

    /** Results read back from the broker, by id (every result is schema-valid). */
    static Map<String, List<InferenceResult>> results(String bootstrap) {
        Map<String, List<InferenceResult>> byId = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : KafkaTestUtil.readAll(bootstrap, "salve.results")) {
            JsonSchemas.RESULT.assertValid(r.value());
            InferenceResult result = ResultCodec.decode(r.value());
            byId.computeIfAbsent(result.id() != null ? result.id() : r.key(), k -> new ArrayList<>()).add(result);
        }
        return byId;
    }

    static void awaitResults(String bootstrap, int count, Duration timeout) throws InterruptedException {
        KafkaTestUtil.await(count + " results", timeout, () -> {
            try (var admin = KafkaTestUtil.admin(bootstrap)) {
                return KafkaTestUtil.count(admin, "salve.results") >= count;
            }
        });
    }

    /** The service's prediction equals the offline core prediction, or the offline top two are a near tie. */
    static void assertMatchesOffline(int n, int served) {
        double[] z = offlineLogits[n];
        if (served != offline[n]) {
            assertTrue(Math.abs(z[served] - z[offline[n]]) < 1e-4, "image " + n + ": served " + served
                    + ", offline " + offline[n]);
        }
    }

    @Test
    void everyRequestGetsExactlyOneResultAndBadInputIsDeadLettered(@TempDir Path dir) throws Exception {
        try (SalveService service = SalveService.start(config(dir), Progress.NONE)) {
            assertEquals(200, httpStatus(service, "/health/ready"));
            List<Map.Entry<String, byte[]>> records = new ArrayList<>();
            for (int n = 0; n < GOOD; n++) {
                records.add(good(n));
                if (n % 10 == 0) {
                    records.add(bad(n / 10));
                }
            }
            KafkaTestUtil.produce(service.bootstrapServers(), "salve.requests", records);
            awaitResults(service.bootstrapServers(), GOOD + BAD, Duration.ofSeconds(120));

            Map<String, List<InferenceResult>> results = results(service.bootstrapServers());
            assertEquals(GOOD + BAD, results.size());
            for (int n = 0; n < GOOD; n++) {
                List<InferenceResult> rs = results.get("img-" + n);
                assertNotNull(rs, "answered: img-" + n);
                assertEquals(1, rs.size(), "exactly one result for img-" + n);
                InferenceResult r = rs.get(0);
                assertNull(r.error(), r.toString());
                assertEquals(test.labels()[n], r.label());
                assertMatchesOffline(n, r.prediction());
            }
            Set<String> codes = new HashSet<>();
            for (int n = 0; n < BAD; n++) {
                // Not JSON: no id to echo, so the result is keyed by the request record's key.
                InferenceResult r = results.get("bad-" + n).get(0);
                assertNotNull(r.error(), "bad-" + n);
                codes.add(r.error().code());
            }
            assertEquals(Set.of("BAD_JSON", "MISSING_FIELD", "BAD_SHAPE", "BAD_DTYPE", "BAD_IMAGE"), codes);
            List<ConsumerRecord<String, byte[]>> dead = KafkaTestUtil.readAll(service.bootstrapServers(),
                    "salve.dead-letter");
            assertEquals(BAD, dead.size());
            dead.forEach(d -> JsonSchemas.DEAD_LETTER.assertValid(d.value()));

            // Telemetry: one request record per answered good request, with the SAE's strongest latents (the window
            // records beside them are checked in TelemetryIntegrationTest).
            List<ConsumerRecord<String, byte[]>> telemetry = KafkaTestUtil.readAll(service.bootstrapServers(),
                    "salve.telemetry");
            telemetry.forEach(t -> JsonSchemas.TELEMETRY.assertValid(t.value()));
            assertEquals(GOOD, telemetry.stream().filter(t -> t.key().startsWith("img-")).count());

            String metrics = httpBody(service, "/metrics");
            assertTrue(metrics.contains("salve_requests_total{code=\"OK\",model=\"bundle\"} 2000.0"), metrics);
            assertTrue(metrics.contains("salve_requests_total{code=\"BAD_JSON\",model=\"none\"} 40.0"), metrics);
            assertTrue(metrics.contains("salve_requests_in_flight{model=\"bundle\"} 0.0"), metrics);
            assertTrue(metrics.contains("salve_batch_size_count") && metrics.contains("salve_model_time_seconds_bucket"),
                    metrics);
            // The JVM's own, which the load tests' memory sampler reads.
            assertTrue(metrics.contains("jvm_memory_used_bytes{area=\"heap\"")
                    && metrics.contains("jvm_gc_pause_seconds"), metrics);
            assertPromtoolAccepts(metrics);
        }
    }

    /** Prometheus's own linter (Debian package prometheus, installed by bin/setup) accepts the exposition. */
    static void assertPromtoolAccepts(String metrics) throws Exception {
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        try (var in = promtool.getOutputStream()) {
            in.write(metrics.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, promtool.waitFor(), "promtool check metrics: " + out);
    }

    @Test
    void injectedReplicaFailuresAndPoisonRequestsLoseNothing(@TempDir Path dir) throws Exception {
        int failEvery = 5;
        Config config = ConfigFactory.parseString("salve.replicas.fault-injection { fail-every = " + failEvery
                + ", poison-blank-images = true }").withFallback(config(dir));
        try (SalveService service = SalveService.start(config, Progress.NONE)) {
            List<Map.Entry<String, byte[]>> records = new ArrayList<>();
            for (int n = 0; n < 500; n++) {
                records.add(good(n));
                if (n % 50 == 7) {
                    String id = "blank-" + n;
                    records.add(new AbstractMap.SimpleEntry<>(id, RequestCodec.encodeUint8(id, new int[] {1, 28, 28},
                            new byte[28 * 28], 0, 0)));
                }
            }
            KafkaTestUtil.produce(service.bootstrapServers(), "salve.requests", records);
            awaitResults(service.bootstrapServers(), 510, Duration.ofSeconds(90));
            Map<String, List<InferenceResult>> results = results(service.bootstrapServers());
            for (int n = 0; n < 500; n++) {
                InferenceResult r = results.get("img-" + n).get(0);
                assertNull(r.error(), r.toString());
                assertMatchesOffline(n, r.prediction());
                if (n % 50 == 7) {
                    InferenceResult poison = results.get("blank-" + n).get(0);
                    assertEquals("INFERENCE_FAILED", poison.error().code(), poison.toString());
                }
            }
            String metrics = httpBody(service, "/metrics");
            assertTrue(batchesOfSeveral(metrics) > 2 * failEvery, "the replica failed at least twice: " + metrics);
            assertEquals(200, httpStatus(service, "/health/ready"), "the replica came back");
        }
    }

    @Test
    void twoReplicasPerDeviceShareOneStream(@TempDir Path dir) throws Exception {
        Config config = ConfigFactory.parseString("salve.replicas.per-device = 2").withFallback(config(dir));
        try (SalveService service = SalveService.start(config, Progress.NONE)) {
            assertEquals(200, httpStatus(service, "/health/ready"), "both replicas loaded");
            List<Map.Entry<String, byte[]>> records = new ArrayList<>();
            for (int n = 0; n < 500; n++) {
                records.add(good(n));
            }
            KafkaTestUtil.produce(service.bootstrapServers(), "salve.requests", records);
            awaitResults(service.bootstrapServers(), 500, Duration.ofSeconds(90));
            Map<String, List<InferenceResult>> results = results(service.bootstrapServers());
            Set<String> replicas = new HashSet<>();
            for (int n = 0; n < 500; n++) {
                List<InferenceResult> rs = results.get("img-" + n);
                assertEquals(1, rs.size(), "exactly one result for img-" + n);
                assertNull(rs.get(0).error(), rs.get(0).toString());
                assertMatchesOffline(n, rs.get(0).prediction());
                replicas.add(rs.get(0).replica());
            }
            // A burst keeps one replica busy, so the idle one takes what queues behind it.
            assertEquals(Set.of("cpu-0", "cpu-1"), replicas);
        }
    }

    /** Batches of two or more requests, from the exposition's batch-size histogram (count minus the le=1 bucket). */
    static double batchesOfSeveral(String metrics) {
        return sample(metrics, "salve_batch_size_count{model=\"bundle\"}")
                - sample(metrics, "salve_batch_size_bucket{model=\"bundle\",le=\"1.0\"}");
    }

    static double sample(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(
                l.substring(name.length() + 1).trim())).findFirst().orElseThrow(() -> new AssertionError(name
                + " not in " + metrics));
    }

    @Test
    void aServiceStoppedMidStreamAnswersEverythingAfterARestart(@TempDir Path dir) throws Exception {
        int total = 1500;
        List<Map.Entry<String, byte[]>> records = new ArrayList<>();
        for (int n = 0; n < total; n++) {
            records.add(good(n));
        }
        String bootstrap;
        try (SalveService service = SalveService.start(config(dir), Progress.NONE)) {
            bootstrap = service.bootstrapServers();
            KafkaTestUtil.produce(bootstrap, "salve.requests", records);
            awaitResults(bootstrap, 300, Duration.ofSeconds(60));
        }
        // Same broker data directory and consumer group: the second run resumes from the committed offsets.
        try (SalveService service = SalveService.start(config(dir), Progress.NONE)) {
            awaitResults(service.bootstrapServers(), total, Duration.ofSeconds(90));
            Map<String, List<InferenceResult>> results = results(service.bootstrapServers());
            for (int n = 0; n < total; n++) {
                List<InferenceResult> rs = results.get("img-" + n);
                assertNotNull(rs, "answered at least once: img-" + n);
                assertNull(rs.get(0).error());
            }
        }
    }

    @Test
    void theBenchmarkAnswersEveryRequestAndReportsConsistentNumbers(@TempDir Path dir) throws IOException {
        Path conf = Files.writeString(dir.resolve("bench.conf"), overrides(dir));
        Path out = dir.resolve("serve.json");
        assertEquals(0, SalveCli.commandLine().execute("bench", "--requests", "300", "--warmup", "300",
                "--config", conf.toString(), "--out", out.toString()));
        JsonNode r = Bundle.JSON.readTree(out.toFile());
        assertEquals(300, r.path("requests").asInt(), r.toString());
        assertEquals(0, r.path("failed").asInt(-1), "every request answered without error: " + r);
        assertEquals(0, r.path("lost").asInt(-1), "every request answered: " + r);
        double ceiling = positive(r, "ceilingImagesPerSecond");
        r.path("ceilingRuns").forEach(run -> assertTrue(run.asDouble() > 0, r.toString()));
        assertEquals(2, r.path("ceilingRuns").size(), r.toString());
        double throughput = positive(r, "throughput");
        // The service adds Kafka and the actors to the ceiling's in-process batches; a noisy shared machine may
        // measure it a little above.
        assertTrue(throughput <= 1.25 * ceiling, "throughput below or near the ceiling: " + r);
        assertTrue(positive(r, "ratio") <= 1.25, r.toString());
        double offered = positive(r, "rateAt70");
        assertTrue(offered < throughput, "the paced phase runs below saturation: " + r);
        // Paced, not a burst; the last results' latency and a busy machine pull the measured rate below the offered.
        double paced = positive(r, "throughputAt70");
        assertTrue(paced >= 0.5 * offered && paced <= 1.25 * offered, "the paced phase ran at the offered rate: " + r);
        double meanBatch = positive(r, "meanBatchSize");
        assertTrue(meanBatch >= 1 && meanBatch <= r.path("maxBatch").asInt(), r.toString());
        for (String phase : List.of("saturated", "at70")) {
            JsonNode l = r.path(phase);
            double p50 = positive(l, "p50Ms");
            double p90 = positive(l, "p90Ms");
            double p99 = positive(l, "p99Ms");
            double max = positive(l, "maxMs");
            assertTrue(p50 <= p90 && p90 <= p99 && p99 <= max, phase + " percentiles in order: " + l);
        }
    }

    /** The field's value, after checking that it is there and a positive number. */
    static double positive(JsonNode node, String field) {
        JsonNode v = node.path(field);
        assertTrue(v.isNumber() && v.asDouble() > 0, field + " present and positive: " + node);
        return v.asDouble();
    }

    static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temporary directory
        }
    }

    static String httpBody(SalveService service, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + service.httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static int httpStatus(SalveService service, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + service.httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode();
    }
}
