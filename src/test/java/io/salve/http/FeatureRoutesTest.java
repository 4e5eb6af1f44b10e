package io.salve.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.salve.core.SaeMetrics;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FeatureRoutes}: the catalog, one feature, and its Grad-FAM map. */
class FeatureRoutesTest extends ApiTest {

    @Test
    void featuresAreTheCatalogWithTestSplitFiringRates() throws Exception {
        Reply reply = get("/v1/features");
        assertEquals(200, reply.status(), reply::toString);
        JsonNode body = reply.json();
        assertEquals(model, body.get("model").asText());
        assertEquals(catalog.get("classes"), body.get("classes"));
        assertEquals(catalog.get("classMeans"), body.get("classMeans"));
        double[] rates = SaeMetrics.evaluate(sae, test.rows()).firingRate();
        assertEquals(rates.length, body.get("features").size());
        for (int l = 0; l < rates.length; l++) {
            assertEquals(rates[l], body.get("features").get(l).get("firingRate").asDouble(), 1e-12, "feature " + l);
        }
        assertEquals(200, get("/v1/features?model=" + model).status());
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
        // Which per-class feature control uses, and the classes this feature is the selective one of.
        assertEquals("selective", body.get("selection").asText());
        int selective = catalog.get("classes").get(0).get("selectiveFeature").asInt();
        assertTrue(stream(get("/v1/features/" + selective).json().get("feature").get("selectiveFor"))
                .anyMatch(k -> k.asInt() == 0));
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
        assertEquals(200, first.status(), first::toString);
        assertEquals("image/png", first.header("Content-Type"));
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(first.raw().body()));
        assertNotNull(png, "a PNG");
        assertTrue(png.getWidth() > 28 && png.getHeight() > 28, png.getWidth() + "x" + png.getHeight());
        assertArrayEquals(Files.readAllBytes(file), first.raw().body());

        // A new server (e.g. after a restart) serves the file as it is rather than computing it again.
        FileTime written = Files.getLastModifiedTime(file);
        serve(settings(TOKEN, false));
        assertArrayEquals(first.raw().body(), get("/v1/features/" + l + "/gradfam.png").raw().body());
        assertEquals(written, Files.getLastModifiedTime(file));
        get("/v1/features/" + sae.latents() + "/gradfam.png").error(404, "UNKNOWN_FEATURE");
    }
}
