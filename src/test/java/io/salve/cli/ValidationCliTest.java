package io.salve.cli;

import static io.salve.cli.DiscoveryCliTest.salve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.salve.cli.DiscoveryCliTest.Run;
import io.salve.model.Bundle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The validate stage (gradfam, maximize) end to end on the real Fashion-MNIST files, with a small bundle. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ValidationCliTest {

    @TempDir
    static Path work;

    static String bundle() {
        return work.resolve("bundle").toString();
    }

    static JsonNode json(String name) throws Exception {
        return Bundle.JSON.readTree(Bundle.open(Path.of(bundle())).file(name).toFile());
    }

    static BufferedImage png(String name) throws Exception {
        return ImageIO.read(Bundle.open(Path.of(bundle())).file(name).toFile());
    }

    @Test
    @Order(1)
    void aBundleWithoutAnSaeIsAClearError() {
        Run train = salve("train", "--arch", "cnn", "--epochs", "1", "--limit", "3000", "--batch-size", "32", "--seed", "1",
                "--out", bundle());
        assertEquals(0, train.exitCode(), train.err());

        Run run = salve("gradfam", "--bundle", bundle(), "--feature", "0");
        assertEquals(SalveCli.USER_ERROR, run.exitCode());
        assertTrue(run.err().contains("SAE_MISSING"), run.err());
    }

    @Test
    @Order(2)
    void gradFamRanksTheTopImagesItselfWithoutACatalog() throws Exception {
        Run sae = salve("sae", "--bundle", bundle(), "--latents", "16", "--epochs", "3", "--seed", "1");
        assertEquals(0, sae.exitCode(), sae.err());

        Run run = salve("gradfam", "--bundle", bundle(), "--feature", "0", "--count", "4");
        assertEquals(0, run.exitCode(), run.err());

        JsonNode report = json("gradfam/feature-0.json");
        assertEquals("computed", report.get("ranking").asText());
        assertEquals(4, report.get("images").size());
    }

    @Test
    @Order(3)
    void gradFamMapsTheCatalogsTopImages() throws Exception {
        JsonNode computed = json("gradfam/feature-0.json");
        assertEquals(0, salve("features", "--bundle", bundle(), "--top", "8").exitCode());

        Run run = salve("gradfam", "--bundle", bundle(), "--feature", "0", "--count", "4");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("peak"), run.out());

        JsonNode report = json("gradfam/feature-0.json");
        JsonNode entry = json("catalog.json").get("features").get(0);
        assertEquals("catalog", report.get("ranking").asText());
        assertEquals(entry.get("polarity").asInt(), report.get("polarity").asInt());
        JsonNode images = report.get("images");
        assertEquals(4, images.size());
        for (int i = 0; i < 4; i++) {
            JsonNode image = images.get(i);
            // Both rankings agree, and the latent computed through the backbone matches the cached activations'.
            assertEquals(entry.get("topSamples").get(i).asInt(), image.get("index").asInt());
            assertEquals(computed.get("images").get(i).get("index").asInt(), image.get("index").asInt());
            assertEquals(7, image.get("map").size());
            assertEquals(7, image.get("map").get(0).size());
            int row = image.get("peak").get(0).asInt();
            int col = image.get("peak").get(1).asInt();
            assertTrue(row >= 0 && row < 28 && col >= 0 && col < 28, image.toString());
        }
        double top = entry.get("polarity").asInt() * images.get(0).get("latent").asDouble();
        assertEquals(entry.get("maxActivation").asDouble(), top, 1e-3 * Math.abs(top));

        BufferedImage grid = png("gradfam/feature-0.png");
        // Four image + overlay pairs of 28 px enlarged 4 times, side by side, with a title and captions.
        assertTrue(grid.getWidth() >= 8 * 112 && grid.getHeight() > 112 && grid.getHeight() < 300,
                grid.getWidth() + "x" + grid.getHeight());
    }

    @Test
    @Order(4)
    void maximizeClimbsAndWritesTheImage() throws Exception {
        Run run = salve("maximize", "--bundle", bundle(), "--feature", "0", "--steps", "30");
        assertEquals(0, run.exitCode(), run.err());

        JsonNode report = json("maximize/feature-0.json");
        double start = report.get("startLatent").asDouble();
        double latent = report.get("latent").asDouble();
        int polarity = report.get("polarity").asInt();
        assertTrue(polarity * (latent - start) > 0, "z went from " + start + " to " + latent);
        assertEquals(30, report.get("settings").get("steps").asInt());
        assertEquals(28, report.get("image").get(0).size());
        BufferedImage image = png("maximize/feature-0.png");
        assertTrue(image.getWidth() >= 280 && image.getHeight() >= 280, image.getWidth() + "x" + image.getHeight());
    }

    @Test
    @Order(5)
    void unknownFeatureIsAClearError() {
        for (String command : new String[] {"gradfam", "maximize"}) {
            Run run = salve(command, "--bundle", bundle(), "--feature", "16");
            assertEquals(SalveCli.USER_ERROR, run.exitCode(), command);
            assertTrue(run.err().contains("UNKNOWN_FEATURE") && run.err().contains("0..15"), run.err());
        }
    }
}
