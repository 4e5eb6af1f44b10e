package io.salve.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.salve.core.Head;
import io.salve.model.Backbone;
import io.salve.model.Bundle;
import io.salve.model.BundleMetadata;
import io.salve.model.InputSpec;
import io.salve.model.Npz;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code salve import} on the committed fixtures of src/test/resources/import (made by make_fixtures.py with torch;
 * no torch is needed here): both formats and both output forms, the logits PyTorch gave, every refusal, and the
 * imported bundle going through {@code salve sae}.
 */
class ImportCliTest {

    static final Path FIXTURES = Path.of("src/test/resources/import");

    @TempDir
    Path work;

    record Run(int exitCode, String out, String err) {
    }

    static Run salve(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SalveCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    /** The fixture's import command for {@code backbone}; {@code extra} option-value pairs add or replace options. */
    static String[] importArgs(Path out, String backbone, String... extra) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("--backbone", FIXTURES.resolve(backbone).toString());
        options.put("--input-shape", "3,31,27");
        options.put("--mean", "0.485,0.456,0.406");
        options.put("--std", "0.229,0.224,0.225");
        options.put("--class-names", FIXTURES.resolve("classes.txt").toString());
        options.put("--out", out.toString());
        options.put("--head", FIXTURES.resolve("head.npz").toString());
        for (int i = 0; i < extra.length; i += 2) {
            if (extra[i].equals("--head-from")) {
                options.remove("--head");
            }
            options.put(extra[i], extra[i + 1]);
        }
        List<String> args = new ArrayList<>(List.of("import"));
        options.forEach((option, value) -> args.addAll(List.of(option, value)));
        return args.toArray(String[]::new);
    }

    @ParameterizedTest
    @CsvSource({"backbone-pooled.pt, torchscript, pooled", "backbone-featuremap.pt, torchscript, featuremap",
            "backbone-pooled.onnx, onnx, pooled", "backbone-featuremap.onnx, onnx, featuremap"})
    void importedBundleGivesPyTorchsLogits(String file, String format, String output) throws Exception {
        Path out = work.resolve("bundle");
        Run run = salve(importArgs(out, file));
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("wrote " + out), run.out());

        Bundle bundle = Bundle.open(out);
        BundleMetadata m = bundle.metadata();
        assertEquals("imported", m.architecture());
        assertEquals(format, m.imported().format());
        assertEquals(output, m.imported().output());
        assertTrue(Files.isRegularFile(bundle.file(m.imported().file())));
        assertEquals(List.of(3, 31, 27), m.inputShape());
        assertEquals(List.of("ant", "bee", "cat", "dog"), m.classNames());
        assertEquals(16, m.featureDim());
        assertEquals(List.of(0.485f, 0.456f, 0.406f), m.mean());
        assertEquals("squash", m.resize());

        assertMatchesReference(bundle);
    }

    /** The committed images, decoded and normalised per the bundle, through its backbone and head. */
    static void assertMatchesReference(Bundle bundle) throws Exception {
        JsonNode reference = Bundle.JSON.readTree(FIXTURES.resolve("reference.json").toFile());
        InputSpec spec = bundle.inputSpec();
        Head head = bundle.head();
        JsonNode refs = reference.get("references");
        float[] batch = new float[refs.size() * spec.imageSize()];
        for (int n = 0; n < refs.size(); n++) {
            BufferedImage image = ImageIO.read(FIXTURES.resolve("images").resolve(refs.get(n).get("image").asText()).toFile());
            byte[] pixels = spec.pixels(image);
            float[] unit = new float[pixels.length];
            for (int i = 0; i < unit.length; i++) {
                unit[i] = (pixels[i] & 0xff) / 255f;
            }
            spec.normalise(unit, batch, n * unit.length);
        }
        double maxDiff = 0;
        double maxLogit = 0;
        try (Backbone backbone = bundle.openBackbone(Device.cpu())) {
            float[][] activations = backbone.activations(batch, refs.size());
            for (int n = 0; n < refs.size(); n++) {
                double[] logits = head.logits(activations[n]);
                for (int k = 0; k < logits.length; k++) {
                    double expected = refs.get(n).get("logits").get(k).asDouble();
                    maxDiff = Math.max(maxDiff, Math.abs(logits[k] - expected));
                    maxLogit = Math.max(maxLogit, Math.abs(expected));
                }
            }
        }
        assertTrue(maxLogit > 0.5, "the reference logits are not trivially small: " + maxLogit);
        assertTrue(maxDiff / maxLogit <= 1e-4, "max |Δlogit| / max |logit| = " + maxDiff / maxLogit);
    }

    @Test
    void headFromTheFullModelAndCheckFullAgree() throws Exception {
        Path out = work.resolve("bundle");
        Run run = salve(importArgs(out, "backbone-featuremap.pt", "--head-from", FIXTURES.resolve("full.pt").toString(),
                "--head-layer", "fc", "--check-full", FIXTURES.resolve("full.pt").toString()));
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("full model check: max |Δlogit| / max |logit| = "), run.out());
        Bundle bundle = Bundle.open(out);
        Npz npz = Npz.read(FIXTURES.resolve("head.npz"));
        assertArrayEquals(npz.vector("b"), bundle.head().bias());
        assertArrayEquals(npz.matrix("W")[3], bundle.head().weight()[3]);
        assertTrue(bundle.metadata().imported().headFrom().endsWith("full.pt"));
        assertMatchesReference(bundle);
    }

    @Test
    void eachRefusalHasItsCodeAndWritesNothing() throws Exception {
        Path out = work.resolve("never");
        Path threeClasses = Files.writeString(work.resolve("three.txt"), "ant\nbee\ncat\n");
        Path notAModel = Files.copy(FIXTURES.resolve("head.npz"), work.resolve("not-a-model.pt"));
        Map<String, Object> narrow = new LinkedHashMap<>();
        narrow.put("W", new float[4][8]);
        narrow.put("b", new float[4]);
        Path narrowHead = work.resolve("narrow.npz");
        Npz.write(narrowHead, narrow);
        Map<String, Object> doubled = new LinkedHashMap<>();
        Npz fixtureHead = Npz.read(FIXTURES.resolve("head.npz"));
        float[][] w = fixtureHead.matrix("W");
        for (float[] row : w) {
            row[0] *= 2;
        }
        doubled.put("W", w);
        doubled.put("b", fixtureHead.vector("b"));
        Path otherHead = work.resolve("other.npz");
        Npz.write(otherHead, doubled);

        assertRefused("BACKBONE_FORMAT", importArgs(out, "classes.txt"));
        assertRefused("BACKBONE_UNREADABLE", importArgs(out, notAModel.toString()));
        assertRefused("HEAD_MISMATCH", importArgs(out, "backbone-pooled.pt", "--head", narrowHead.toString()));
        assertRefused("CLASS_COUNT_MISMATCH", importArgs(out, "backbone-pooled.onnx", "--class-names", threeClasses.toString()));
        assertRefused("ONNX_FIXED_BATCH", importArgs(out, "backbone-fixed-batch.onnx"));
        assertRefused("BACKBONE_NOT_FINITE", importArgs(out, "backbone-pooled.onnx", "--std", "1e-45"));
        assertRefused("FULL_MODEL_MISMATCH", importArgs(out, "backbone-pooled.pt", "--head", otherHead.toString(),
                "--check-full", FIXTURES.resolve("full.pt").toString()));
        assertRefused("HEAD_LAYER_MISSING", importArgs(out, "backbone-pooled.pt", "--head-from",
                FIXTURES.resolve("full.pt").toString(), "--head-layer", "classifier"));
        assertRefused("HEAD_UNREADABLE", importArgs(out, "backbone-pooled.pt", "--head", threeClasses.toString()));
        assertRefused("BAD_NORMALISATION", importArgs(out, "backbone-pooled.pt", "--mean", "0.5,0.5"));
        assertRefused("BAD_SHAPE", importArgs(out, "backbone-pooled.pt", "--input-shape", "2,31,27"));
        assertRefused("BACKBONE_FAILED", importArgs(out, "backbone-pooled.onnx", "--input-shape", "1,31,27",
                "--mean", "0.5", "--std", "0.25"));
        assertFalse(Files.exists(out), "a refused import writes nothing");

        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        assertRefused("BUNDLE_EXISTS", importArgs(out, "backbone-pooled.pt"));
        assertEquals(List.of(out.resolve("keep.txt")), Files.list(out).toList());
    }

    static void assertRefused(String code, String... args) {
        Run run = salve(args);
        assertEquals(SalveCli.USER_ERROR, run.exitCode(), code + ": " + run.out() + run.err());
        assertTrue(run.err().startsWith("error [" + code + "]: "), code + " expected, got: " + run.err());
    }

    /** An image folder of the fixture's classes at other sizes, colour and grey: resized and converted per the bundle. */
    static Path imageFolder(Path dir) throws Exception {
        Random random = new Random(3);
        for (String name : List.of("ant", "bee", "cat", "dog")) {
            Files.createDirectories(dir.resolve(name));
            for (int i = 0; i < 6; i++) {
                int type = i % 3 == 0 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB;
                BufferedImage image = new BufferedImage(20 + random.nextInt(40), 20 + random.nextInt(40), type);
                for (int y = 0; y < image.getHeight(); y++) {
                    for (int x = 0; x < image.getWidth(); x++) {
                        image.setRGB(x, y, random.nextInt(1 << 24));
                    }
                }
                ImageIO.write(image, "png", dir.resolve(name).resolve(i + ".png").toFile());
            }
        }
        return dir;
    }

    @Test
    void saeAndFeaturesRunOnAnImportedBundle() throws Exception {
        Path out = work.resolve("bundle");
        assertEquals(0, salve(importArgs(out, "backbone-featuremap.onnx", "--resize", "shorter-side-crop")).exitCode());
        Path images = imageFolder(work.resolve("images"));

        assertRefused("DATA_UNKNOWN", "sae", "--bundle", out.toString());

        Run sae = salve("sae", "--bundle", out.toString(), "--data", "folder", "--data-dir", images.toString(),
                "--limit", "20", "--latents", "8", "--epochs", "3", "--batch-size", "8");
        assertEquals(0, sae.exitCode(), sae.err());
        Bundle bundle = Bundle.open(out);
        assertEquals(20, bundle.cachedActivations("train").orElseThrow().count());
        assertEquals(24, bundle.cachedActivations("test").orElseThrow().count());
        assertEquals(16, bundle.cachedActivations("test").orElseThrow().dim());
        JsonNode report = Bundle.JSON.readTree(bundle.file("sae.json").toFile());
        assertEquals("folder", report.get("data").get("name").asText());
        assertEquals(20, report.get("data").get("limit").asInt());

        Run features = salve("features", "--bundle", out.toString(), "--top", "4");
        assertEquals(0, features.exitCode(), features.err());
        assertTrue(Files.isRegularFile(bundle.file("catalog.json")));
        assertRefused("NOT_DIFFERENTIABLE", "gradfam", "--bundle", out.toString(), "--feature", "0");
    }
}
