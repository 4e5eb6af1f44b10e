package io.salve.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.core.Head;
import io.salve.core.Progress;
import io.salve.core.Sae;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditSet;
import io.salve.kafka.KafkaTestUtil;
import io.salve.model.Bundle;
import io.salve.serve.InferenceResult;
import io.salve.wire.ResultCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live edits end to end: the operator API, the persisted registry (embedded H2 journal), the hot swap into the
 * replicas and the Kafka stream, with real Fashion-MNIST images through a real broker.
 */
class LiveEditsIntegrationTest {

    static final String TOKEN = "live-edits-test-token";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final int REQUESTS = 3000;

    static Head base;
    static Sae sae;

    @BeforeAll
    static void servedBundle() throws Exception {
        ServiceIntegrationTest.trainSmallBundle();
        Bundle bundle = Bundle.open(ServiceIntegrationTest.bundleDir);
        base = bundle.head();
        sae = bundle.sae();
    }

    static Config config(Path dir) {
        return ConfigFactory.parseString("salve.api.token = \"" + TOKEN + "\"")
                .withFallback(ServiceIntegrationTest.config(dir));
    }

    @Test
    void editsChangingUnderLoadLoseNothingAndEveryResultIsTheHeadOfItsVersion(@TempDir Path dir) throws Exception {
        try (SalveService service = SalveService.start(config(dir), Progress.NONE)) {
            int target = 0;
            int feature = get(service, "/v1/features").at("/classes/" + target + "/dominantFeature").asInt();
            String edit = """
                    {"feature": %d, "method": "rank1", "direction": "suppress", "alpha": 1.0,
                     "author": "test", "reason": "hot swap under load"}""".formatted(feature);
            Map<Long, EditSet> sets = new ConcurrentHashMap<>(Map.of(0L, EditSet.EMPTY));

            AtomicBoolean feeding = new AtomicBoolean(true);
            Thread feeder = new Thread(() -> {
                // ~2,000 requests/s offered, more than the service answers: edits land while a backlog is served.
                for (int from = 0; from < REQUESTS; from += 100) {
                    List<Map.Entry<String, byte[]>> chunk = new ArrayList<>();
                    for (int n = from; n < from + 100; n++) {
                        chunk.add(ServiceIntegrationTest.good(n % ServiceIntegrationTest.GOOD, "live-" + n));
                    }
                    KafkaTestUtil.produce(service.bootstrapServers(), "salve.requests", chunk);
                    sleep(50);
                }
                feeding.set(false);
            });
            feeder.start();
            int changes = 0;
            while (feeding.get() || changes < 4) {
                JsonNode applied = send(service, "POST", "/v1/edits", edit, 201);
                sets.put(applied.get("version").asLong(), editSet(applied.get("state")));
                sleep(150);
                JsonNode reverted = send(service, "DELETE", "/v1/edits/" + applied.get("id").asText()
                        + "?author=test&reason=undo", null, 200);
                sets.put(reverted.get("version").asLong(), editSet(reverted));
                sleep(150);
                changes += 2;
            }
            feeder.join();
            ServiceIntegrationTest.awaitResults(service.bootstrapServers(), REQUESTS, Duration.ofSeconds(180));

            Map<String, Long> versionOf = new HashMap<>();
            for (ConsumerRecord<String, byte[]> record : KafkaTestUtil.readAll(service.bootstrapServers(),
                    "salve.results")) {
                InferenceResult r = ResultCodec.decode(record.value());
                assertNull(r.error(), r.toString());
                assertNull(versionOf.put(r.id(), r.editVersion()), "exactly one result for " + r.id());
                int n = Integer.parseInt(r.id().substring("live-".length())) % ServiceIntegrationTest.GOOD;
                EditSet set = sets.get(r.editVersion());
                assertNotNull(set, "version " + r.editVersion() + " was made by this test");
                assertServedBy(set.apply(base, sae), n, r.prediction());
            }
            assertEquals(REQUESTS, versionOf.size(), "no request lost");
            assertTrue(versionOf.values().stream().distinct().count() >= 3,
                    "the edits changed mid-stream: " + versionOf.values().stream().distinct().toList());

            String metrics = ServiceIntegrationTest.httpBody(service, "/metrics");
            Matcher swaps = Pattern.compile("salve_edit_swap_time_seconds_count\\{model=\"bundle\"} (\\S+)").matcher(metrics);
            assertTrue(swaps.find(), metrics);
            assertTrue(Double.parseDouble(swaps.group(1)) >= changes / 2.0, "swaps: " + swaps.group(1));
        }
    }

    @Test
    void aRestartedServiceServesItsRecoveredEditsFromTheFirstRequest(@TempDir Path dir) throws Exception {
        String edit = """
                {"feature": %d, "method": "projection", "direction": "suppress", "alpha": 1.0, "rows": [1],
                 "author": "ana", "reason": "survives restarts"}""";
        EditSet set;
        try (SalveService service = SalveService.start(config(dir), Progress.NONE)) {
            int feature = get(service, "/v1/features").at("/classes/1/dominantFeature").asInt();
            set = editSet(send(service, "POST", "/v1/edits", edit.formatted(feature), 201).get("state"));
        }
        try (SalveService service = SalveService.start(config(dir), Progress.NONE)) {
            JsonNode state = get(service, "/v1/edits");
            assertEquals(1, state.get("version").asLong());
            assertEquals(set, editSet(state));
            assertEquals("ana", get(service, "/v1/edits/history").at("/entries/0/author").asText());

            List<Map.Entry<String, byte[]>> records = new ArrayList<>();
            for (int n = 0; n < 300; n++) {
                records.add(ServiceIntegrationTest.good(n));
            }
            KafkaTestUtil.produce(service.bootstrapServers(), "salve.requests", records);
            ServiceIntegrationTest.awaitResults(service.bootstrapServers(), 300, Duration.ofSeconds(90));
            Head edited = set.apply(base, sae);
            ServiceIntegrationTest.results(service.bootstrapServers()).forEach((id, rs) -> {
                InferenceResult r = rs.get(0);
                assertEquals(1L, r.editVersion(), "served with the recovered edits: " + r);
                assertServedBy(edited, Integer.parseInt(id.substring("img-".length())), r.prediction());
            });
        }
    }

    /** {@code served} is what {@code head} predicts for test image {@code n}, or the top two are a near tie. */
    static void assertServedBy(Head head, int n, int served) {
        float[] a = ServiceIntegrationTest.activations[n];
        double[] z = head.logits(a);
        int expected = head.predict(a);
        if (served != expected) {
            assertTrue(Math.abs(z[served] - z[expected]) < 1e-4, "image " + n + ": served " + served
                    + ", the head of its version predicts " + expected);
        }
    }

    static EditSet editSet(JsonNode state) {
        List<Edit> edits = new ArrayList<>();
        for (JsonNode e : state.get("active")) {
            List<Integer> rows = new ArrayList<>();
            e.get("rows").forEach(r -> rows.add(r.asInt()));
            edits.add(new Edit(e.get("feature").asInt(), EditMethod.parse(e.get("method").asText()),
                    Direction.parse(e.get("direction").asText()), e.get("alpha").asDouble(), rows));
        }
        return new EditSet(edits);
    }

    static JsonNode get(SalveService service, String path) throws Exception {
        return JSON.readTree(ServiceIntegrationTest.httpBody(service, path));
    }

    static JsonNode send(SalveService service, String method, String path, String body, int expectedStatus)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, response.statusCode(), method + " " + path + ": " + response.body());
        return JSON.readTree(response.body());
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
