package io.salve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.salve.core.Progress;
import io.salve.data.FashionMnist;
import io.salve.model.Bundle;
import io.salve.model.ClassifierMetrics;
import io.salve.model.Inference;
import io.salve.model.Network;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The discover stage end to end on the real Fashion-MNIST files, with small settings. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DiscoveryCliTest {

    @TempDir
    static Path work;

    static Path bundle() {
        return work.resolve("bundle");
    }

    record Run(int exitCode, String out, String err) {
    }

    static Run salve(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SalveCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    @Order(1)
    void trainWritesABundleWithTestMetrics() throws Exception {
        Run run = salve("train", "--arch", "cnn", "--epochs", "1", "--limit", "6000", "--batch-size", "32",
                "--seed", "1", "--out", bundle().toString());
        assertEquals(0, run.exitCode(), run.err());

        Bundle b = Bundle.open(bundle());
        assertEquals("cnn", b.metadata().architecture());
        assertEquals(10, b.metadata().classNames().size());
        assertEquals(6000, b.metadata().training().limit());
        assertEquals(128, b.head().dim());
        ClassifierMetrics m = b.readJson("metrics.json", ClassifierMetrics.class);
        assertEquals(10000, m.testCount());
        assertEquals(10, m.perClassAccuracy().size());
        assertTrue(m.testAccuracy() > 0.70, "a CNN trained on 6000 images should beat 70%, got " + m.testAccuracy());

        // The bundle on disk reproduces the recorded accuracy: backbone.params and head.npz round-trip.
        try (Network network = b.loadNetwork(Device.cpu())) {
            int[] predictions = Inference.of(network, b.metadata(), 500)
                    .predict(FashionMnist.test(FashionMnist.defaultDir()), Progress.NONE);
            ClassifierMetrics again = ClassifierMetrics.of(predictions, FashionMnist.test(FashionMnist.defaultDir()).labels(), 10);
            assertEquals(m.testAccuracy(), again.testAccuracy(), 1e-9);
        }
    }

    @Test
    @Order(2)
    void saeTrainsOnCachedActivationsAndReportsItsQuality() throws Exception {
        Run run = salve("sae", "--bundle", bundle().toString(), "--kind", "linear", "--latents", "32",
                "--l1", "0.05", "--epochs", "5", "--seed", "1");
        assertEquals(0, run.exitCode(), run.err());

        Bundle b = Bundle.open(bundle());
        assertTrue(b.cachedActivations("train").isPresent(), "train activations are cached in the bundle");
        assertEquals(6000, b.cachedActivations("train").get().count());
        JsonNode sae = Bundle.JSON.readTree(b.file("sae.json").toFile());
        double fvu = sae.get("fvu").asDouble();
        assertTrue(fvu >= 0 && fvu < 0.3, "fvu " + fvu);
        assertTrue(sae.get("meanL0").asDouble() > 0 && sae.get("meanL0").asDouble() <= 32);
        assertTrue(sae.has("deadLatents"));
        double baseline = b.readJson("metrics.json", ClassifierMetrics.class).testAccuracy();
        assertTrue(Math.abs(sae.get("splicedAccuracy").asDouble() - baseline) < 0.05,
                "the head on reconstructions stays close to the baseline " + baseline + ": " + sae);
        assertEquals(32, b.sae().latents());
    }

    @Test
    @Order(3)
    void featuresWritesTheCatalogAndHeatmap() throws Exception {
        Run run = salve("features", "--bundle", bundle().toString(), "--top", "8");
        assertEquals(0, run.exitCode(), run.err());

        Bundle b = Bundle.open(bundle());
        JsonNode catalog = Bundle.JSON.readTree(b.file("catalog.json").toFile());
        assertEquals(10, catalog.get("classes").size());
        for (JsonNode c : catalog.get("classes")) {
            assertNotNull(c.get("name").asText());
            int dominant = c.get("dominantFeature").asInt();
            assertTrue(dominant >= 0 && dominant < 32);
        }
        assertTrue(catalog.get("crossClassFeatures").isArray());
        JsonNode feature = catalog.get("features").get(0);
        assertEquals(8, feature.get("topSamples").size());
        BufferedImage heatmap = ImageIO.read(b.file("catalog-heatmap.png").toFile());
        assertTrue(heatmap.getWidth() > 300 && heatmap.getHeight() > 200);
        assertTrue(run.out().contains("dominant feature"), run.out());
    }

    @Test
    void unknownArchitectureIsAClearError() {
        Run run = salve("train", "--arch", "vgg99", "--out", work.resolve("x").toString());
        assertEquals(SalveCli.USER_ERROR, run.exitCode());
        assertTrue(run.err().contains("UNKNOWN_ARCHITECTURE") && run.err().contains("resnet18"), run.err());
    }

    @Test
    void unknownSaeKindIsAClearError() {
        Run run = salve("sae", "--bundle", work.toString(), "--kind", "jumprelu");
        assertEquals(SalveCli.USER_ERROR, run.exitCode());
    }

    @Test
    void missingBundleIsAClearError() {
        Run run = salve("sae", "--bundle", work.resolve("nope").toString());
        assertEquals(SalveCli.USER_ERROR, run.exitCode());
        assertTrue(run.err().contains("BUNDLE_NOT_FOUND") && run.err().contains("salve train"), run.err());
    }

    @Test
    void missingDataTellsHowToGetIt() {
        Run run = salve("train", "--arch", "cnn", "--data-dir", work.resolve("no-data").toString(),
                "--out", work.resolve("y").toString());
        assertEquals(SalveCli.USER_ERROR, run.exitCode());
        assertTrue(run.err().contains("DATA_MISSING") && run.err().contains("dataset-fashion-mnist"), run.err());
    }
}
