package io.salve.cli;

import static io.salve.cli.DiscoveryCliTest.salve;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.salve.cli.DiscoveryCliTest.Run;
import io.salve.core.Head;
import io.salve.model.Backbone;
import io.salve.model.Bundle;
import io.salve.model.BundleMetadata;
import io.salve.model.ImportedBackbone;
import io.salve.model.InputSpec;
import io.salve.model.Npz;
import io.salve.serve.BatchModel;
import io.salve.serve.BundleBatchModel;
import io.salve.serve.ServingHead;
import java.awt.image.BufferedImage;
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

/**
 * {@code salve import} on the committed fixtures of src/test/resources/import (made by make_fixtures.py with torch;
 * no torch is needed here): both formats and both output forms, the logits PyTorch gave, every refusal, and the
 * imported bundle going through {@code salve sae}.
 */
public class ImportCliTest {

    public static final Path FIXTURES = Path.of("src/test/resources/import");

    @TempDir
    Path work;

    /** The fixture's import command for {@code backbone}; {@code extra} option-value pairs add or replace options. */
    public static String[] importArgs(Path out, String backbone, String... extra) {
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
        List<float[]> unitPixels = new ArrayList<>();
        for (int n = 0; n < refs.size(); n++) {
            BufferedImage image = ImageIO.read(FIXTURES.resolve("images").resolve(refs.get(n).get("image").asText()).toFile());
            byte[] pixels = spec.pixels(image);
            float[] unit = new float[pixels.length];
            for (int i = 0; i < unit.length; i++) {
                unit[i] = (pixels[i] & 0xff) / 255f;
            }
            spec.normalise(unit, batch, n * unit.length);
            unitPixels.add(unit);
        }
        try (Backbone backbone = bundle.openBackbone(Device.cpu())) {
            assertLogits(refs, head, backbone.activations(batch, refs.size()));
        }
        // The service's replicas: [0, 1] pixels in, the bundle's normalisation and backbone inside.
        try (BundleBatchModel served = new BundleBatchModel(bundle, Device.cpu(), false, false)) {
            List<BatchModel.Output> outputs = served.run(unitPixels, ServingHead.unedited(head));
            float[][] activations = outputs.stream().map(BatchModel.Output::activation).toArray(float[][]::new);
            assertLogits(refs, head, activations);
            for (int n = 0; n < refs.size(); n++) {
                assertEquals(argmax(refs.get(n).get("logits")), outputs.get(n).prediction());
            }
        }
    }

    static void assertLogits(JsonNode refs, Head head, float[][] activations) {
        double maxDiff = 0;
        double maxLogit = 0;
        for (int n = 0; n < refs.size(); n++) {
            double[] logits = head.logits(activations[n]);
            for (int k = 0; k < logits.length; k++) {
                double expected = refs.get(n).get("logits").get(k).asDouble();
                maxDiff = Math.max(maxDiff, Math.abs(logits[k] - expected));
                maxLogit = Math.max(maxLogit, Math.abs(expected));
            }
        }
        assertTrue(maxLogit > 0.5, "the reference logits are not trivially small: " + maxLogit);
        assertTrue(maxDiff / maxLogit <= 1e-4, "max |Δlogit| / max |logit| = " + maxDiff / maxLogit);
    }

    static int argmax(JsonNode values) {
        int best = 0;
        for (int k = 1; k < values.size(); k++) {
            best = values.get(k).asDouble() > values.get(best).asDouble() ? k : best;
        }
        return best;
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
        assertEquals("fc", bundle.metadata().imported().headLayer());
        assertTrue(Files.isRegularFile(bundle.file(bundle.metadata().imported().fullModel())));
        assertMatchesReference(bundle);
    }

    /** An edited head goes back into the user's own TorchScript program, which then gives the edited logits. */
    @Test
    void exportWritesTheFullModelWithTheBundlesHead() throws Exception {
        Path out = work.resolve("bundle");
        assertEquals(0, salve(importArgs(out, "backbone-pooled.onnx", "--head-from",
                FIXTURES.resolve("full.pt").toString())).exitCode());
        Bundle bundle = Bundle.open(out);
        Head head = bundle.head();
        float[][] w = bundle.head().weight();
        for (float[] row : w) {
            for (int j = 0; j < row.length; j++) {
                row[j] *= j % 2 == 0 ? 0 : 1.5f; // a gate per activation, as a SALVE edit is
            }
        }
        Head edited = new Head(w, head.bias());
        bundle.writeHead(edited);

        Path exported = work.resolve("edited.pt");
        Run run = salve("export", "--bundle", out.toString(), "--format", "torchscript", "--out", exported.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("max |Δlogit| / max |logit|"), run.out());

        // The exported file's logits are the bundle's: backbone + edited head, not the original head.
        InputSpec spec = bundle.inputSpec();
        float[] images = new float[2 * spec.imageSize()];
        for (int i = 0; i < images.length; i++) {
            images[i] = (i % 7) / 3f - 1;
        }
        try (Backbone backbone = bundle.openBackbone(Device.cpu());
             Backbone full = ImportedBackbone.open(exported, ImportedBackbone.Format.TORCHSCRIPT, new Shape(3, 31, 27),
                     Device.cpu())) {
            float[][] a = backbone.activations(images, 2);
            float[][] logits = full.activations(images, 2);
            for (int n = 0; n < 2; n++) {
                double[] expected = edited.logits(a[n]);
                for (int k = 0; k < expected.length; k++) {
                    assertEquals(expected[k], logits[n][k], 1e-4 * Math.max(1, Math.abs(expected[k])));
                }
                double changed = 0;
                for (int k = 0; k < expected.length; k++) {
                    changed = Math.max(changed, Math.abs(head.logits(a[n])[k] - logits[n][k]));
                }
                assertTrue(changed > 1e-2, "the original head is gone: " + changed);
            }
        }
        assertRefused("BAD_OUTPUT", "export", "--bundle", out.toString(), "--out", exported.toString());
        Path npzBundle = work.resolve("npz");
        assertEquals(0, salve(importArgs(npzBundle, "backbone-pooled.pt")).exitCode());
        assertRefused("EXPORT_UNSUPPORTED", "export", "--bundle", npzBundle.toString(), "--out",
                work.resolve("x.pt").toString());
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
        assertRefused("CLASS_NAMES_UNREADABLE", importArgs(out, "backbone-pooled.pt", "--class-names",
                work.resolve("no-such-file.txt").toString()));
        assertRefused("ONNX_FIXED_BATCH", importArgs(out, "backbone-fixed-batch.onnx"));
        assertRefused("BACKBONE_OUTPUT_SHAPE", importArgs(out, "backbone-tokens.pt"));
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
    public static Path imageFolder(Path dir) throws Exception {
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
        // Grad-FAM reads the feature map of the imported backbone (the gradient runs from the map onwards).
        int feature = Bundle.JSON.readTree(bundle.file("catalog.json").toFile()).get("classes").get(0)
                .get("dominantFeature").asInt();
        Run gradFam = salve("gradfam", "--bundle", out.toString(), "--feature", String.valueOf(feature), "--count", "4");
        assertEquals(0, gradFam.exitCode(), gradFam.err());
        BufferedImage grid = ImageIO.read(bundle.file("gradfam/feature-" + feature + ".png").toFile());
        assertTrue(grid.getWidth() > 27 * 4, "four images and their maps: " + grid.getWidth());
        // ONNX Runtime gives no gradients through the backbone: maximisation is refused, saying what to import.
        assertNotDifferentiable(salve("maximize", "--bundle", out.toString(), "--feature", "0"), "TorchScript");

        // An edit of the imported head writes a new bundle that carries the imported backbone along.
        Path edited = work.resolve("edited");
        Run edit = salve("edit", "--bundle", out.toString(), "--class", "0", "--alpha", "1", "--out", edited.toString());
        assertEquals(0, edit.exitCode(), edit.err());
        Bundle copy = Bundle.open(edited);
        assertEquals(bundle.metadata().imported(), copy.metadata().imported());
        assertTrue(Files.isRegularFile(copy.file(copy.metadata().imported().file())));
    }

    @Test
    void gradFamRefusesAPooledBackboneAndSaysWhatToExport() throws Exception {
        Path out = importedWithSae("pooled", "backbone-pooled.pt", 4, 1);
        assertNotDifferentiable(salve("gradfam", "--bundle", out.toString(), "--feature", "0"), "feature-map form");
    }

    /** A bundle imported from {@code backbone} with an SAE trained on the committed images. */
    private Path importedWithSae(String name, String backbone, int latents, int epochs) throws Exception {
        Path out = work.resolve(name);
        assertEquals(0, salve(importArgs(out, backbone)).exitCode());
        assertEquals(0, salve("sae", "--bundle", out.toString(), "--data", "folder", "--data-dir",
                imageFolder(work.resolve("images")).toString(), "--latents", String.valueOf(latents), "--epochs",
                String.valueOf(epochs)).exitCode());
        return out;
    }

    /** Refused with NOT_DIFFERENTIABLE, the message saying what to do instead ({@code hint}). */
    private static void assertNotDifferentiable(Run run, String hint) {
        assertEquals(SalveCli.USER_ERROR, run.exitCode());
        assertTrue(run.err().startsWith("error [NOT_DIFFERENTIABLE]: ") && run.err().contains(hint), run.err());
    }

    @Test
    void maximizeFollowsGradientsThroughAnImportedTorchScriptBackbone() throws Exception {
        Path out = importedWithSae("torchscript", "backbone-featuremap.pt", 8, 3);
        Bundle bundle = Bundle.open(out);
        int feature = 0; // a linear SAE's latent is never dead

        Run run = salve("maximize", "--bundle", out.toString(), "--feature", String.valueOf(feature), "--steps", "30");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode report = Bundle.JSON.readTree(bundle.file("maximize/feature-" + feature + ".json").toFile());
        double start = report.get("startLatent").asDouble();
        double latent = report.get("latent").asDouble();
        int polarity = report.get("polarity").asInt();
        assertTrue(polarity * (latent - start) > 0, "z went from " + start + " to " + latent);
        assertTrue(Files.isRegularFile(bundle.file("maximize/feature-" + feature + ".png")));

        // The image it made gives that latent through the inference path too: the function climbed is the one served.
        JsonNode planes = report.get("image");
        InputSpec spec = bundle.inputSpec();
        float[] pixels = new float[spec.imageSize()];
        int i = 0;
        for (JsonNode plane : planes) {
            for (JsonNode row : plane) {
                for (JsonNode v : row) {
                    pixels[i++] = (float) v.asDouble();
                }
            }
        }
        float[] normalised = new float[pixels.length];
        spec.normalise(pixels, normalised, 0);
        try (Backbone backbone = bundle.openBackbone(Device.cpu())) {
            float z = bundle.sae().encode(backbone.activations(normalised, 1)[0])[feature];
            assertEquals(z, latent, 1e-4 * Math.max(1, Math.abs(z)), "served z " + z + " vs maximised " + latent);
        }
    }
}
