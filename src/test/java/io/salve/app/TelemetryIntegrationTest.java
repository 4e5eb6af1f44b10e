package io.salve.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.core.Head;
import io.salve.core.Maths;
import io.salve.core.Progress;
import io.salve.core.Sae;
import io.salve.core.SaeMetrics;
import io.salve.core.diagnose.Sweep;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditSet;
import io.salve.core.edit.EditTemplate;
import io.salve.data.ImageSet;
import io.salve.kafka.JsonSchemas;
import io.salve.kafka.KafkaTestUtil;
import io.salve.model.Bundle;
import io.salve.serve.InferenceResult;
import io.salve.serve.ReplicaPool;
import io.salve.serve.ServingHead;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The telemetry and diagnostics topics end to end: a real embedded broker, real Fashion-MNIST images and the small
 * bundle the service tests share. A suppression edit is swapped in mid-stream; what the topics say is checked against the
 * offline core computation on the same images (unedited and edited heads, the accuracy sweep, SAE latents).
 */
class TelemetryIntegrationTest {

    static final int BEFORE = 600;
    static final int TOTAL = ServiceIntegrationTest.GOOD;
    static final ObjectMapper JSON = new ObjectMapper();

    static ImageSet test;
    static Head base;
    static Sae sae;
    static float[][] acts;

    /** The bundle the service tests share (trained once per test JVM). */
    @BeforeAll
    static void servedBundle() throws Exception {
        ServiceIntegrationTest.trainSmallBundle();
        test = ServiceIntegrationTest.test;
        acts = ServiceIntegrationTest.activations;
        Bundle bundle = Bundle.open(ServiceIntegrationTest.bundleDir);
        base = bundle.head();
        sae = bundle.sae();
    }

    static Config config(Path dir) {
        return ConfigFactory.parseString("""
                salve.telemetry.window = 1s
                salve.diagnostics.window = 1s
                """).withFallback(ServiceIntegrationTest.config(dir));
    }

    static List<Map.Entry<String, byte[]>> images(int from, int to) {
        List<Map.Entry<String, byte[]>> out = new ArrayList<>();
        for (int n = from; n < to; n++) {
            out.add(ServiceIntegrationTest.good(n));
        }
        return out;
    }

    /** The class, its dominant feature and the alpha at which the offline sweep predicts the largest accuracy fall. */
    record Target(int cls, EditTemplate template, double alpha, double drop) {
    }

    static Target pickTarget(float[][] rows, int[] labels) {
        Target best = null;
        double[] alphas = {0, 2, 4, 8, 16, 32};
        for (int k = 0; k < base.numClasses(); k++) {
            double[] mu = new double[sae.latents()];
            for (int n = 0; n < rows.length; n++) {
                if (labels[n] == k) {
                    float[] z = sae.encode(rows[n]);
                    for (int l = 0; l < z.length; l++) {
                        mu[l] += z[l];
                    }
                }
            }
            int dominant = Maths.argmax(Arrays.stream(mu).map(Math::abs).toArray());
            EditTemplate t = EditTemplate.suppress(dominant, EditMethod.SALVE);
            Sweep sweep = Sweep.run(base, sae, t, alphas, rows, labels);
            for (int a = 1; a < alphas.length; a++) {
                double drop = sweep.accuracy()[0][k] - sweep.accuracy()[a][k];
                if (best == null || drop > best.drop() + 1e-9) {
                    best = new Target(k, t, alphas[a], drop);
                }
            }
        }
        return best;
    }

    static List<JsonNode> read(String bootstrap, String topic, JsonSchemas schema,
                               Map<String, Integer> partitions) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : KafkaTestUtil.readAll(bootstrap, topic)) {
            schema.assertValid(r.value());
            out.add(JSON.readTree(r.value()));
            if (partitions != null) {
                partitions.merge(r.key(), r.partition(), (a, b) -> a.equals(b) ? a : -1);
            }
        }
        return out;
    }

    static List<JsonNode> ofType(List<JsonNode> records, String type) {
        return records.stream().filter(r -> type.equals(r.get("type").asText())).toList();
    }

    /** Same class, or the offline top two are a near tie (batched and unbatched forwards differ in rounding). */
    static boolean sameOrTie(double[] logits, int a, int b) {
        return a == b || Math.abs(logits[a] - logits[b]) < 1e-4;
    }

    @Test
    void aSuppressionSwappedInMidStreamIsDiagnosedRequestByRequestAndPerClass(@TempDir Path dir) throws Exception {
        int[] labels = Arrays.copyOfRange(test.labels(), 0, TOTAL);
        float[][] after = Arrays.copyOfRange(acts, BEFORE, TOTAL);
        int[] afterLabels = Arrays.copyOfRange(labels, BEFORE, TOTAL);
        Target target = pickTarget(after, afterLabels);
        assertTrue(target.drop() > 0.2, "the bundle has a feature whose suppression hurts a class: " + target);

        try (SalveService service = SalveService.start(config(dir), Progress.NONE)) {
            String bs = service.bootstrapServers();
            KafkaTestUtil.produce(bs, "salve.requests", images(0, BEFORE));
            ServiceIntegrationTest.awaitResults(bs, BEFORE, Duration.ofSeconds(90));

            ServingHead edited = ServingHead.of(service.bundle(), EditSet.of(target.template().at(target.alpha())), 1);
            long acked = AskPattern.<ReplicaPool.Command, Long>ask(service.pool(),
                    ack -> new ReplicaPool.SwapHead(edited, ack), Duration.ofSeconds(5),
                    service.system().scheduler()).toCompletableFuture().join();
            assertEquals(1, acked);
            KafkaTestUtil.produce(bs, "salve.requests", images(BEFORE, TOTAL));
            ServiceIntegrationTest.awaitResults(bs, TOTAL, Duration.ofSeconds(120));
            // Windows close every second; wait until the last one holding these requests is out.
            KafkaTestUtil.await("the windows of every request", Duration.ofSeconds(30), () -> {
                try {
                    int seen = ofType(read(bs, "salve.telemetry", JsonSchemas.TELEMETRY, null), "window").stream()
                            .mapToInt(w -> w.get("requests").asInt()).sum();
                    int diagnosed = ofType(read(bs, "salve.diagnostics", JsonSchemas.DIAGNOSTICS, null),
                            "class-window").stream().filter(w -> w.get("editVersion").asLong() == 1)
                            .mapToInt(w -> w.get("requests").asInt()).sum();
                    return seen == TOTAL && diagnosed == TOTAL - BEFORE;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            Map<String, InferenceResult> results = ServiceIntegrationTest.results(bs).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(0)));
            Map<String, Integer> partitions = new HashMap<>();
            List<JsonNode> diagnostics = read(bs, "salve.diagnostics", JsonSchemas.DIAGNOSTICS, partitions);
            List<JsonNode> telemetry = read(bs, "salve.telemetry", JsonSchemas.TELEMETRY, partitions);

            // Per request: only under the suppression, one record each, flips exactly where the prediction changed.
            List<JsonNode> perRequest = ofType(diagnostics, "request");
            assertEquals(TOTAL - BEFORE, perRequest.size());
            int changed = 0;
            for (JsonNode d : perRequest) {
                String id = d.get("id").asText();
                int n = Integer.parseInt(id.substring(4));
                assertTrue(n >= BEFORE, id + " was answered before the edit");
                InferenceResult r = results.get(id);
                assertEquals(1L, r.editVersion());
                assertEquals(r.prediction().intValue(), d.get("prediction").asInt());
                int unedited = d.get("uneditedPrediction").asInt();
                double[] z0 = base.logits(acts[n]);
                assertTrue(sameOrTie(z0, unedited, base.predict(acts[n])), id + " unedited");
                assertTrue(sameOrTie(edited.head().logits(acts[n]), r.prediction(), edited.head().predict(acts[n])),
                        id + " edited");
                boolean flipped = d.get("suppressions").get(0).get("flipped").asBoolean();
                assertEquals(r.prediction() != unedited, flipped, id);
                assertEquals(flipped, d.get("changed").asBoolean(), id);
                JsonNode alphaFlip = d.get("suppressions").get(0).get("alphaFlip");
                if (flipped) {
                    assertTrue(alphaFlip.asDouble() <= target.alpha() + 1e-6, id + " flipped below its alpha_flip");
                }
                changed += flipped ? 1 : 0;
            }
            assertTrue(changed > 0, "the edit changed some predictions");

            // Per class: labelled accuracy of the target class falls as the offline sweep predicts.
            Sweep sweep = Sweep.run(base, sae, target.template(), new double[] {0, target.alpha()}, after, afterLabels);
            int k = target.cls();
            int labelled = 0;
            double correct = 0;
            double uneditedCorrect = 0;
            for (JsonNode w : ofType(diagnostics, "class-window")) {
                if (w.get("editVersion").asLong() == 1 && w.get("class").asInt() == k && w.has("accuracy")) {
                    int count = w.at("/accuracy/labelled").asInt();
                    labelled += count;
                    correct += w.at("/accuracy/edited").asDouble() * count;
                    uneditedCorrect += w.at("/accuracy/unedited").asDouble() * count;
                }
            }
            assertEquals(sweep.support()[k], labelled);
            assertEquals(sweep.accuracy()[1][k] * labelled, correct, 1.01, "edited correct, class " + k);
            assertEquals(sweep.accuracy()[0][k] * labelled, uneditedCorrect, 1.01, "unedited correct, class " + k);
            assertTrue(correct < uneditedCorrect, "accuracy of class " + k + " fell");

            // Telemetry windows: every request counted; each feature's firing count as offline.
            List<JsonNode> features = ofType(telemetry, "feature-window");
            double threshold = SaeMetrics.firingThreshold(sae);
            for (int l = 0; l < sae.latents(); l++) {
                final int feature = l;
                int fired = features.stream().filter(f -> f.get("feature").asInt() == feature)
                        .mapToInt(f -> f.get("fired").asInt()).sum();
                long offline = Arrays.stream(acts).filter(a -> Math.abs(sae.encode(a)[feature]) > threshold).count();
                assertEquals(offline, fired, 3, "feature " + l + " fired");
                assertEquals(l % 2, partitions.get("feature-" + l), "feature " + l + " stays on one partition");
            }
            assertEquals(TOTAL, ofType(telemetry, "request").size());
            for (int c = 0; c < base.numClasses(); c++) {
                Integer p = partitions.get("class-" + c);
                assertTrue(p == null || p == c % 2, "class " + c + " stays on one partition");
            }

            String metrics = ServiceIntegrationTest.httpBody(service, "/metrics");
            assertTrue(metrics.contains("salve_records_produced_total{model=\"bundle\",topic=\"salve.diagnostics\",type=\"request\"} "
                    + (TOTAL - BEFORE) + ".0"), metrics);
            assertTrue(metrics.contains("salve_records_produced_total{model=\"bundle\",topic=\"salve.telemetry\",type=\"request\"} "
                    + TOTAL + ".0"), metrics);
            assertTrue(metrics.contains("salve_replica_busy_seconds_total{model=\"bundle\",replica=\"cpu\"}")
                    && metrics.contains("salve_replica_busy_ratio{model=\"bundle\",replica=\"cpu\"}")
                    && metrics.contains("salve_consumer_lag_records"), metrics);
            ServiceIntegrationTest.assertPromtoolAccepts(metrics);
        }
    }
}
