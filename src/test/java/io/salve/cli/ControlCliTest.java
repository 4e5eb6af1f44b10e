package io.salve.cli;

import static io.salve.cli.DiscoveryCliTest.salve;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.salve.cli.DiscoveryCliTest.Run;
import io.salve.core.Head;
import io.salve.core.Progress;
import io.salve.core.diagnose.Summary;
import io.salve.core.diagnose.TargetAlpha;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditSet;
import io.salve.core.edit.EditTemplate;
import io.salve.data.FashionMnist;
import io.salve.model.Activations;
import io.salve.model.Bundle;
import io.salve.model.ClassifierMetrics;
import io.salve.model.Inference;
import io.salve.model.Network;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The control and diagnose stages end to end on the real Fashion-MNIST files, on one small shared bundle. */
class ControlCliTest {

    @TempDir
    static Path work;

    static Bundle bundle;
    static Activations test;
    /** The class the tests edit: the one the small model gets most right, so a drop is unmistakable. */
    static int cls;
    static int feature;

    @BeforeAll
    static void smallBundle() throws Exception {
        String dir = work.resolve("bundle").toString();
        ok(salve("train", "--arch", "cnn", "--epochs", "1", "--limit", "3000", "--batch-size", "32", "--seed", "1",
                "--out", dir));
        ok(salve("sae", "--bundle", dir, "--latents", "16", "--epochs", "3", "--seed", "1"));
        ok(salve("features", "--bundle", dir, "--top", "4"));
        bundle = Bundle.open(Path.of(dir));
        test = bundle.cachedActivations("test").orElseThrow();
        List<Double> perClass = metrics(bundle).perClassAccuracy();
        cls = IntStream.range(0, perClass.size()).boxed().max((a, b) -> Double.compare(perClass.get(a),
                perClass.get(b))).orElseThrow();
        feature = json(bundle.file("catalog.json")).get("classes").get(cls).get("selectiveFeature").asInt();
    }

    @Test
    void sweepStartsAtTheBundlesAccuracyAndAgreesWithAlphaFlip() throws Exception {
        double[] alphas = {0, 0.5, 2, 8, 32};
        Run run = ok(salve("sweep", "--bundle", dir(), "--class", "" + cls, "--alphas", "0,0.5,2,8,32"));
        Path file = bundle.file("sweeps/class-" + cls + "-feature-" + feature + "-salve-suppress.json");
        assertTrue(run.out().contains(file.toString()), run.out());
        JsonNode sweep = json(file);
        assertEquals(feature, sweep.get("edit").get("feature").asInt());
        assertArrayEquals(alphas, doubles(sweep.get("alphas")));
        List<Double> baseline = metrics(bundle).perClassAccuracy();
        for (int k = 0; k < baseline.size(); k++) {
            assertEquals(baseline.get(k), sweep.get("accuracy").get(0).get(k).asDouble(), 1e-12,
                    "alpha 0 is the unedited head, class " + k);
        }
        double[] target = doubles(sweep.get("targetAccuracy"));
        assertTrue(target[alphas.length - 1] < target[0] / 2, "suppressing the dominant feature hurts: "
                + Arrays.toString(target));
        image(file.resolveSibling(file.getFileName().toString().replace(".json", ".png")));

        // A correct prediction stays until its alpha_flip, so the class keeps at least those not flipped yet.
        ok(salve("alpha-crit", "--bundle", dir(), "--class", "" + cls));
        double[] flip = doubles(json(bundle.file("alpha-crit/class-" + cls + ".json")).get("perSample").get("flip"));
        for (int a = 0; a < alphas.length; a++) {
            double alpha = alphas[a];
            long kept = Arrays.stream(flip).filter(f -> f > alpha).count();
            assertTrue(target[a] * flip.length >= kept - 1e-9, "alpha " + alpha + ": " + target[a] + " < " + kept);
        }
    }

    @Test
    void alphaCritCoversEverySampleOfTheClass() throws Exception {
        Run run = ok(salve("alpha-crit", "--bundle", dir(), "--class", "" + cls, "--method", "rank1"));
        assertTrue(run.out().contains("alpha_flip"), run.out());
        JsonNode report = json(bundle.file("alpha-crit/class-" + cls + ".json"));
        assertEquals("RANK1", report.get("edit").get("method").asText());
        assertEquals(feature, report.get("edit").get("feature").asInt());
        JsonNode samples = report.get("perSample");
        int[] index = ints(samples.get("index"));
        assertEquals(Arrays.stream(test.labels()).filter(l -> l == cls).count(), index.length);
        assertEquals(index.length, report.get("samples").asInt());
        assertTrue(Arrays.stream(index).allMatch(n -> test.labels()[n] == cls));
        double[] numeric = doubles(samples.get("numeric"));
        double[] analytic = doubles(samples.get("analytic"));
        assertEquals(index.length, numeric.length);
        assertEquals(Summary.of(numeric).median(), report.get("numeric").get("median").asDouble(), 1e-12);
        assertTrue(report.get("flip").get("fractionUndefined").asDouble() < 0.5);
        // RANK1 logits are lines in alpha, so both estimates are the same root.
        for (int i = 0; i < numeric.length; i++) {
            if (!Double.isNaN(numeric[i])) {
                assertEquals(numeric[i], analytic[i], 1e-6 * Math.max(1, numeric[i]), "sample " + index[i]);
            }
        }
        image(bundle.file("alpha-crit/class-" + cls + ".png"));
    }

    @Test
    void targetAccuracyEditReachesItsGoalOnTheTestSet() throws Exception {
        Path out = work.resolve("target");
        Run run = ok(salve("edit", "--bundle", dir(), "--class", "" + cls, "--target-accuracy", "0.02",
                "--out", out.toString()));
        assertTrue(run.out().contains("off-target change"), run.out());
        Bundle edited = Bundle.open(out);
        assertTrue(metrics(edited).perClassAccuracy().get(cls) <= 0.02, metrics(edited).toString());

        // Up to three of the class's features (--max-features), each printed with its strength, replayable in order.
        EditSet edits = new EditSet(Arrays.asList(Bundle.JSON.treeToValue(json(edited.file("edits.json")).get("edits"),
                Edit[].class)));
        assertTrue(edits.edits().size() >= 1 && edits.edits().size() <= 3, edits.toString());
        for (Edit edit : edits.edits()) {
            assertEquals(new EditTemplate(edit.feature(), EditMethod.SALVE, Direction.SUPPRESS, List.of()),
                    edit.template());
            assertTrue(run.out().contains(String.format("feature %d: salve alpha %.6g", edit.feature(), edit.alpha())),
                    run.out());
        }
        assertHeadsEqual(edits.apply(bundle.head(), bundle.sae()), edited.head());
        assertTrue(Files.isRegularFile(edited.file("catalog.json")) && edited.hasSae(), "the copy is a whole bundle");
    }

    @Test
    void editIsPermanentInThePlainForwardPass() throws Exception {
        double alpha = TargetAlpha.find(bundle.head(), bundle.sae(), EditTemplate.suppress(feature, EditMethod.SALVE),
                cls, 0.05, 1000, test.rows(), test.labels()).alpha();
        int other = (feature + 1) % bundle.sae().latents();
        EditSet edits = EditSet.of(new Edit(feature, EditMethod.SALVE, Direction.SUPPRESS, alpha, List.of()),
                new Edit(other, EditMethod.PROJECTION, Direction.ENHANCE, 0.5, List.of(1, 2)));
        Path out = work.resolve("permanent");
        ok(salve("edit", "--bundle", dir(), "--edit", feature + ":salve:suppress:" + alpha,
                "--edit", other + ":projection:enhance:0.5:1,2", "--out", out.toString()));

        Bundle edited = Bundle.open(out);
        int[] network;
        try (Network net = edited.loadNetwork(Device.cpu())) {
            network = Inference.of(net, edited.metadata(), 500).predict(FashionMnist.test(FashionMnist.defaultDir()),
                    Progress.NONE);
        }
        Head expected = edits.apply(bundle.head(), bundle.sae());
        int[] onActivations = predict(expected);
        // TargetAlpha's alpha sits on a tie by construction (there a sample's top two logits are equal), which the
        // float32 forward pass may resolve the other way; the two may disagree on such near-ties only.
        int disagree = 0;
        for (int n = 0; n < network.length; n++) {
            if (network[n] != onActivations[n]) {
                double[] z = expected.logits(test.rows()[n]);
                assertEquals(z[onActivations[n]], z[network[n]], 1e-5 * Math.max(1, Math.abs(z[network[n]])),
                        "sample " + n + " is no near-tie");
                disagree++;
            }
        }
        assertTrue(disagree <= 2, disagree + " near-ties");
        assertEquals(ClassifierMetrics.of(onActivations, test.labels(), 10), metrics(edited));

        double before = metrics(bundle).perClassAccuracy().get(cls);
        double after = metrics(edited).perClassAccuracy().get(cls);
        assertTrue(after < before / 4, "class " + cls + ": " + before + " -> " + after);
        assertNotEquals(Arrays.toString(predict(bundle.head())), Arrays.toString(network));

        // Editing the edited bundle appends: edits.json replays from the trained head to the new one.
        Path again = work.resolve("again");
        ok(salve("edit", "--bundle", out.toString(), "--feature", "" + other, "--method", "rank1", "--alpha", "0.3",
                "--out", again.toString()));
        JsonNode log = json(again.resolve("edits.json"));
        assertEquals(out.toString(), log.get("source").asText());
        EditSet all = edits.with(new Edit(other, EditMethod.RANK1, Direction.SUPPRESS, 0.3, List.of()));
        assertEquals(all.edits(), Arrays.asList(Bundle.JSON.treeToValue(log.get("edits"), Edit[].class)));
        assertHeadsEqual(all.apply(bundle.head(), bundle.sae()), Bundle.open(again).head());
    }

    @Test
    void reportHasThePapersTable() throws Exception {
        Run run = ok(salve("report", "--bundle", dir()));
        assertTrue(run.out().contains("| class | feature | baseline |"), run.out());
        JsonNode report = json(bundle.file("report/report.json"));
        JsonNode catalog = json(bundle.file("catalog.json"));
        JsonNode classes = report.get("classes");
        assertEquals(10, classes.size());
        for (JsonNode c : classes) {
            int k = c.get("class").asInt();
            assertEquals(catalog.get("classes").get(k).get("dominantFeature").asInt(), c.get("dominantFeature").asInt());
            assertEquals(catalog.get("classes").get(k).get("selectiveFeature").asInt(), c.get("feature").asInt());
            for (String scope : List.of("all", "class")) {
                for (String method : List.of("salve", "rank1", "projection")) {
                    JsonNode m = c.get("scopes").get(scope).get(method);
                    assertTrue(m.get("features").size() <= 3 && m.get("features").size() == m.get("alphas").size(),
                            m.toString());
                    for (JsonNode alpha : m.get("alphas")) {
                        assertTrue(alpha.asDouble() > 0 && alpha.asDouble() <= 1000, method + " " + m);
                    }
                    if (m.get("reached").asBoolean()) {
                        assertTrue(m.get("targetAccuracy").asDouble() <= 0.05, m.toString());
                    }
                    assertTrue(m.has("offTargetChange") && m.has("enhance") && m.has("alphaFlip"), m.toString());
                }
            }
        }
        for (String scope : List.of("all", "class")) {
            for (String method : List.of("salve", "rank1", "projection")) {
                for (JsonNode k : report.get("suppressedClasses").get(scope).get(method)) {
                    JsonNode m = classes.get(k.asInt()).get("scopes").get(scope).get(method);
                    assertTrue(m.get("reached").asBoolean() && m.get("offTargetChange").asDouble() >= -2,
                            m.toString());
                }
            }
        }
        String md = Files.readString(bundle.file("report/report.md"));
        assertTrue(md.contains(classes.get(cls).get("name").asText()) && md.contains("alpha_flip"), md);
        for (String png : List.of("features-all.png", "off-target-all.png", "features-class.png")) {
            image(bundle.file("report/" + png));
        }
        if (report.get("crossClass").isObject()) {
            image(bundle.file("report/cross-class-salve.png"));
        }
    }

    @Test
    void reportCanSuppressThroughTheTargetRowOnly() throws Exception {
        ok(salve("report", "--bundle", dir(), "--methods", "rank1", "--target-row"));
        JsonNode report = json(bundle.file("report/report.json"));
        assertEquals("[\"CLASS\"]", report.get("settings").get("scopes").toString());
        for (JsonNode c : report.get("classes")) {
            JsonNode m = c.get("scopes").get("class").get("rank1");
            assertEquals(m.get("reached").asBoolean(), m.get("targetAccuracy").asDouble() <= 0.05, m.toString());
        }
        assertTrue(Files.readString(bundle.file("report/report.md")).contains("edited head rows: the class's own"));
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("UNKNOWN_FEATURE", List.of("edit", "--feature", "99", "--alpha", "1")),
                Arguments.of("UNKNOWN_FEATURE", List.of("sweep", "--feature", "16")),
                Arguments.of("BAD_ALPHA", List.of("edit", "--feature", "1", "--alpha", "-1")),
                Arguments.of("BAD_ALPHA", List.of("edit", "--feature", "1", "--alpha", "NaN")),
                Arguments.of("BAD_ALPHA", List.of("edit", "--edit", "1:salve:suppress:1e9")),
                Arguments.of("BAD_ALPHA", List.of("sweep", "--feature", "1", "--alphas", "0,Infinity")),
                Arguments.of("UNKNOWN_CLASS", List.of("sweep", "--class", "10")),
                Arguments.of("UNKNOWN_CLASS", List.of("alpha-crit", "--class", "-1")),
                Arguments.of("UNKNOWN_CLASS", List.of("edit", "--class", "10", "--target-accuracy", "0.1")),
                Arguments.of("UNKNOWN_CLASS", List.of("edit", "--feature", "1", "--alpha", "1", "--rows", "3,12")),
                Arguments.of("UNKNOWN_METHOD", List.of("sweep", "--class", "1", "--method", "lasso")),
                Arguments.of("UNKNOWN_METHOD", List.of("edit", "--edit", "1:lasso:suppress:1")),
                Arguments.of("UNKNOWN_METHOD", List.of("report", "--methods", "salve,lasso")),
                Arguments.of("BAD_EDIT", List.of("edit", "--edit", "1:salve:1")));
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputIsAClearErrorAndWritesNothing(String code, List<String> args) {
        Path out = work.resolve("bad");
        List<String> full = new ArrayList<>(args);
        full.addAll(List.of("--bundle", dir()));
        if (args.get(0).equals("edit")) {
            full.addAll(List.of("--out", out.toString()));
        }
        Run run = salve(full.toArray(String[]::new));
        assertEquals(SalveCli.USER_ERROR, run.exitCode(), run.err());
        assertTrue(run.err().contains("[" + code + "]"), run.err());
        assertFalse(Files.exists(out), "a rejected edit writes no bundle");
    }

    @Test
    void theEditLimitIsTheOneConfiguredForTheService() throws Exception {
        Path strict = Files.writeString(work.resolve("strict.conf"), "salve.edits.max-alpha = 2");
        Path out = work.resolve("limited");
        Run refused = salve("edit", "--bundle", dir(), "--feature", "1", "--alpha", "3", "--config", strict.toString(),
                "--out", out.toString());
        assertEquals(SalveCli.USER_ERROR, refused.exitCode(), refused.err());
        assertTrue(refused.err().contains("[BAD_ALPHA]") && refused.err().contains("[0, 2.0]"), refused.err());
        assertFalse(Files.exists(out), "a rejected edit writes no bundle");
        ok(salve("edit", "--bundle", dir(), "--feature", "1", "--alpha", "3", "--out", out.toString()));
    }

    @Test
    void editNeverOverwritesABundle() throws Exception {
        Path taken = Files.createDirectories(work.resolve("taken"));
        Files.writeString(taken.resolve("notes.txt"), "mine");
        for (String out : List.of(taken.toString(), dir() + "/../bundle", dir() + "/edited")) {
            Run run = salve("edit", "--bundle", dir(), "--feature", "1", "--alpha", "1", "--out", out);
            assertEquals(SalveCli.USER_ERROR, run.exitCode(), out);
            assertTrue(run.err().contains("BUNDLE_EXISTS") || run.err().contains("BAD_OUTPUT"), run.err());
        }
        assertEquals(List.of(taken.resolve("notes.txt")), Files.list(taken).toList());
    }

    private static String dir() {
        return bundle.dir().toString();
    }

    private static Run ok(Run run) {
        assertEquals(0, run.exitCode(), run.err());
        return run;
    }

    private static ClassifierMetrics metrics(Bundle b) {
        return b.readJson("metrics.json", ClassifierMetrics.class);
    }

    private static int[] predict(Head head) {
        return Arrays.stream(test.rows()).mapToInt(head::predict).toArray();
    }

    private static void assertHeadsEqual(Head expected, Head actual) {
        assertArrayEquals(expected.bias(), actual.bias());
        for (int i = 0; i < expected.numClasses(); i++) {
            assertArrayEquals(expected.weight()[i], actual.weight()[i], "row " + i);
        }
    }

    private static JsonNode json(Path file) throws Exception {
        return Bundle.JSON.readTree(file.toFile());
    }

    private static double[] doubles(JsonNode array) {
        return Bundle.JSON.convertValue(array, double[].class);
    }

    private static int[] ints(JsonNode array) {
        return Bundle.JSON.convertValue(array, int[].class);
    }

    private static void image(Path png) throws Exception {
        BufferedImage image = ImageIO.read(png.toFile());
        assertTrue(image != null && image.getWidth() >= 600 && image.getHeight() >= 400, png.toString());
    }
}
