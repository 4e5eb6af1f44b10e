package io.salve.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.cli.ImportCliTest;
import io.salve.cli.SalveCli;
import io.salve.core.Head;
import io.salve.core.Progress;
import io.salve.kafka.JsonSchemas;
import io.salve.kafka.KafkaTestUtil;
import io.salve.model.Backbone;
import io.salve.model.Bundle;
import io.salve.model.InputSpec;
import io.salve.serve.InferenceResult;
import io.salve.wire.RequestCodec;
import io.salve.wire.ResultCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model brought by a user, served: the committed TorchScript fixture imported, its SAE trained and catalogued as
 * the README says, then the committed PNGs sent as image requests through {@code /v1/infer} and through Kafka. The
 * RGB images give PyTorch's reference logits; the odd-sized and grey ones, resized by the bundle's policy,
 * give on both paths what the offline path (InputSpec, backbone, head) gives.
 */
class ImportedBundleServingTest {

    private static final Path IMAGES = ImportCliTest.FIXTURES.resolve("images");

    @Test
    void imagesGiveTheReferencePredictionsThroughHttpAndKafka(@TempDir Path dir) throws Exception {
        Path bundleDir = dir.resolve("mine");
        salve(ImportCliTest.importArgs(bundleDir, "backbone-featuremap.pt", "--resize", "shorter-side-crop"));
        Path folder = ImportCliTest.imageFolder(dir.resolve("images"));
        salve("sae", "--bundle", bundleDir.toString(), "--data", "folder", "--data-dir", folder.toString(),
                "--limit", "20", "--latents", "8", "--epochs", "3", "--batch-size", "8");
        salve("features", "--bundle", bundleDir.toString(), "--top", "4");

        Map<String, double[]> expected = new LinkedHashMap<>();
        JsonNode reference = Bundle.JSON.readTree(ImportCliTest.FIXTURES.resolve("reference.json").toFile());
        for (JsonNode ref : reference.get("references")) {
            double[] logits = new double[ref.get("logits").size()];
            for (int k = 0; k < logits.length; k++) {
                logits[k] = ref.get("logits").get(k).asDouble();
            }
            expected.put(ref.get("image").asText(), logits);
        }
        Bundle bundle = Bundle.open(bundleDir);
        for (String odd : List.of("odd-45x38.png", "grey-17x60.png")) {
            expected.put(odd, offline(bundle, IMAGES.resolve(odd)));
        }

        Config config = ConfigFactory.parseMap(Map.of("salve.bundle", bundleDir.toString(),
                "salve.kafka.partitions", 1)).withFallback(ServiceIntegrationTest.config(dir));
        try (SalveService service = SalveService.start(config, Progress.NONE)) {
            HttpClient http = HttpClient.newHttpClient();
            for (var e : expected.entrySet()) {
                byte[] request = request("http-" + e.getKey(), e.getKey());
                JsonSchemas.REQUEST.assertValid(request);
                HttpResponse<byte[]> reply = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + service.httpPort() + "/v1/infer")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, reply.statusCode(), () -> new String(reply.body()));
                assertAnswer(e.getValue(), ResultCodec.decode(reply.body()), e.getKey());
            }

            String bootstrap = service.bootstrapServers();
            KafkaTestUtil.produce(bootstrap, "salve.requests", expected.keySet().stream()
                    .map(name -> (Map.Entry<String, byte[]>) new AbstractMap.SimpleEntry<>("kafka-" + name,
                            request("kafka-" + name, name))).toList());
            ServiceIntegrationTest.awaitResults(bootstrap, expected.size(), Duration.ofSeconds(120));
            Map<String, List<InferenceResult>> results = ServiceIntegrationTest.results(bootstrap);
            for (var e : expected.entrySet()) {
                List<InferenceResult> answers = results.get("kafka-" + e.getKey());
                assertEquals(1, answers.size(), e.getKey());
                assertAnswer(e.getValue(), answers.get(0), e.getKey());
            }
        }
    }

    private static void salve(String... args) {
        assertEquals(0, SalveCli.commandLine().execute(args), String.join(" ", args));
    }

    private static byte[] request(String id, String image) {
        try {
            return RequestCodec.encodeImage(id, Files.readAllBytes(IMAGES.resolve(image)), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The offline path of salve sae/features: InputSpec's pixels, normalised, the backbone, the head. */
    private static double[] offline(Bundle bundle, Path image) throws Exception {
        InputSpec spec = bundle.inputSpec();
        byte[] pixels = spec.pixels(ImageIO.read(image.toFile()));
        float[] unit = new float[pixels.length];
        for (int i = 0; i < unit.length; i++) {
            unit[i] = (pixels[i] & 0xff) / 255f;
        }
        float[] input = new float[unit.length];
        spec.normalise(unit, input, 0);
        Head head = bundle.head();
        try (Backbone backbone = bundle.openBackbone(Device.cpu())) {
            return head.logits(backbone.activations(input, 1)[0]);
        }
    }

    /**
     * The served probabilities give back the expected logits up to their common offset, ln p_k - ln p_0 =
     * z_k - z_0, within 1e-4 of the largest |z| (as ImportCliTest checks the offline logits), and their argmax.
     */
    private static void assertAnswer(double[] logits, InferenceResult result, String image) {
        assertNull(result.error(), () -> image + ": " + result.error());
        List<Float> p = result.probabilities();
        double maxDiff = 0;
        double maxLogit = 0;
        int argmax = 0;
        for (int k = 0; k < logits.length; k++) {
            double served = Math.log(p.get(k)) - Math.log(p.get(0));
            maxDiff = Math.max(maxDiff, Math.abs(served - (logits[k] - logits[0])));
            maxLogit = Math.max(maxLogit, Math.abs(logits[k]));
            argmax = logits[k] > logits[argmax] ? k : argmax;
        }
        assertTrue(maxDiff / maxLogit <= 1e-4, image + ": max |Δlogit| / max |logit| = " + maxDiff / maxLogit);
        assertEquals(argmax, result.prediction(), image);
    }
}
