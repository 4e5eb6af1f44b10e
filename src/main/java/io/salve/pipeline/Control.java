package io.salve.pipeline;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import io.salve.core.FeatureCatalog;
import io.salve.core.FeatureSelection;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import io.salve.core.diagnose.AlphaCrit;
import io.salve.core.diagnose.AlphaFlip;
import io.salve.core.diagnose.Summary;
import io.salve.core.diagnose.Suppression;
import io.salve.core.diagnose.Sweep;
import io.salve.core.diagnose.TargetAlpha;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditSet;
import io.salve.core.edit.EditTemplate;
import io.salve.core.edit.LogitPath;
import io.salve.model.Activations;
import io.salve.model.Bundle;
import io.salve.model.ClassifierMetrics;
import io.salve.viz.Plots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * SALVE's control and diagnose stages over a bundle: permanent edits of its head, accuracy sweeps and thresholds.
 * Everything is measured on the cached test-split activations: they are exactly what the head sees, so a head is
 * evaluated without running the backbone again (the first use extracts and caches them).
 */
public final class Control {

    /**
     * Sweep strengths when none are given. RANK1 and PROJECTION remove the feature at alpha = 1 and overshoot beyond;
     * a SALVE gate on dimension j closes at 1/|D[j,l]|, which for unit decoder columns lies well above 1, so the grid
     * runs on to where most of a typical column's gates have closed.
     */
    public static final double[] DEFAULT_ALPHAS = {0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32};

    /** Not copied into an edited bundle: what it gets anew, and what the control commands derived from the old head. */
    private static final Set<String> HEAD_OUTPUTS = Set.of("sweeps", "alpha-crit", "report", "edits.json",
            "metrics.json", "head.npz");

    private final Bundle bundle;
    private final Head head;
    private final Sae sae;
    private final Discovery discovery;
    private final Discovery.DataRef data;
    private final double maxAlpha;
    private Activations test;
    private JsonNode catalog;
    private FeatureCatalog features;

    private Control(Bundle bundle, Discovery discovery, Discovery.DataRef data, double maxAlpha) {
        this.bundle = bundle;
        this.head = bundle.head();
        this.sae = bundle.sae();
        this.discovery = discovery;
        this.data = data;
        this.maxAlpha = maxAlpha;
    }

    /**
     * Control over {@code bundle}, whose test activations are extracted from {@code dataDir} if not cached.
     *
     * @param maxAlpha the strongest edit accepted ({@code salve.edits.max-alpha}, the limit the service applies too)
     */
    public static Control open(Bundle bundle, Discovery discovery, Path dataDir, double maxAlpha) {
        return new Control(bundle, discovery, Discovery.dataOf(bundle, dataDir), maxAlpha);
    }

    public Bundle bundle() {
        return bundle;
    }

    public Head head() {
        return head;
    }

    public Sae sae() {
        return sae;
    }

    public double maxAlpha() {
        return maxAlpha;
    }

    public List<String> classNames() {
        return bundle.metadata().classNames();
    }

    public Activations test() {
        if (test == null) {
            test = discovery.activations(bundle, data, "test");
        }
        return test;
    }

    public void checkClass(int cls) {
        if (cls < 0 || cls >= head.numClasses()) {
            throw new SalveException("UNKNOWN_CLASS", "unknown class " + cls + ": this bundle has classes 0.."
                    + (head.numClasses() - 1) + " (" + String.join(", ", classNames()) + ")");
        }
    }

    /** Class {@code cls}'s dominant feature, from the catalog. */
    public int dominantFeature(int cls) {
        return feature(cls, FeatureSelection.DOMINANT);
    }

    /** Class {@code cls}'s feature under {@code selection}, from the catalog. */
    public int feature(int cls, FeatureSelection selection) {
        checkClass(cls);
        return features().classes().get(cls).feature(selection);
    }

    /** The search plan for suppressing {@code cls} through its features ({@link Suppression.Plan#of}). */
    public Suppression.Plan plan(int cls, FeatureSelection selection, EditMethod method, List<Integer> rows,
                                 double goal, double tolerance, int maxFeatures) {
        checkClass(cls);
        return Suppression.Plan.of(features(), cls, selection, method, rows, goal, tolerance, maxFeatures);
    }

    /** The smallest set of features and strengths taking a class to the plan's goal on the test split. */
    public Suppression suppression(Suppression.Plan plan) {
        return Suppression.find(head, sae, plan, maxAlpha, test().rows(), test().labels());
    }

    /** The class that expresses {@code feature} most strongly (largest {@code |mu_k[l]|}). */
    public int loudestClass(int feature) {
        EditTemplate.suppress(feature, EditMethod.SALVE).validate(head, sae);
        JsonNode means = catalog().get("classMeans");
        return IntStream.range(0, means.size()).boxed()
                .max(Comparator.comparingDouble(k -> Math.abs(means.get(k).get(feature).asDouble()))).orElseThrow();
    }

    public List<FeatureCatalog.CrossClassFeature> crossClassFeatures() {
        return Bundle.JSON.convertValue(catalog().get("crossClassFeatures"), new TypeReference<>() { });
    }

    /** The catalog as a value; one written before selective features were recorded is stale. */
    public FeatureCatalog features() {
        if (features == null) {
            if (!catalog().has("selectivity")) {
                throw new SalveException("CATALOG_STALE", bundle.file("catalog.json") + " predates selective "
                        + "features: run salve features --bundle " + bundle.dir() + " again");
            }
            features = Bundle.JSON.copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .convertValue(catalog(), FeatureCatalog.class);
        }
        return features;
    }

    private JsonNode catalog() {
        if (catalog == null) {
            if (!Files.isRegularFile(bundle.file("catalog.json"))) {
                throw new SalveException("CATALOG_MISSING", bundle.dir() + " has no feature catalog to find dominant "
                        + "features in: run salve features --bundle " + bundle.dir() + ", or name --feature");
            }
            catalog = bundle.readJson("catalog.json", JsonNode.class);
        }
        return catalog;
    }

    /** Accuracy of {@code h} on the test activations. */
    public ClassifierMetrics metrics(Head h) {
        Activations t = test();
        int[] predictions = Arrays.stream(t.rows()).mapToInt(h::predict).toArray();
        return ClassifierMetrics.of(predictions, t.labels(), h.numClasses());
    }

    public Sweep sweep(EditTemplate edit, double[] alphas) {
        for (double alpha : alphas) {
            edit.at(alpha).validate(head, sae, maxAlpha);
        }
        return Sweep.run(head, sae, edit, alphas, test().rows(), test().labels());
    }

    /** The weakest strength of {@code edit} taking class {@code cls} to {@code goal} accuracy on the test split. */
    public TargetAlpha targetAlpha(EditTemplate edit, int cls, double goal) {
        checkClass(cls);
        return TargetAlpha.find(head, sae, edit, cls, goal, maxAlpha, test().rows(), test().labels());
    }

    // ---- edit -------------------------------------------------------------------------------------------------

    /** What {@code edits.json} holds: every edit applied to the trained head, in order, and the bundle edited. */
    public record AppliedEdits(String source, List<Edit> edits) {
    }

    /** An edited bundle and the test metrics of the head before and after. */
    public record Edited(Bundle bundle, AppliedEdits applied, ClassifierMetrics before, ClassifierMetrics after) {
    }

    /**
     * Writes a copy of the bundle at {@code out} whose head has {@code edits} applied, in order, on top of any this
     * bundle already carries; {@code edits.json} lists them all, so replaying it on the trained head gives the new
     * head. {@code metrics.json} is recomputed for the edited head.
     */
    public Edited edit(EditSet edits, Path out) {
        edits.validate(head, sae, maxAlpha);
        checkOutput(out);
        Head edited = edits.apply(head, sae);
        List<Edit> all = new ArrayList<>(Files.isRegularFile(bundle.file("edits.json"))
                ? bundle.readJson("edits.json", AppliedEdits.class).edits() : List.of());
        all.addAll(edits.edits());
        ClassifierMetrics before = metrics(head);
        ClassifierMetrics after = metrics(edited);

        copyTo(out);
        Bundle copy = Bundle.open(out);
        copy.writeHead(edited);
        AppliedEdits applied = new AppliedEdits(bundle.dir().toString(), all);
        copy.writeJson("edits.json", applied);
        copy.writeJson("metrics.json", after);
        return new Edited(copy, applied, before, after);
    }

    /** An edited bundle goes to a new place: never over a bundle, never inside this one. */
    private void checkOutput(Path out) {
        Path from = bundle.dir().toAbsolutePath().normalize();
        Path to = out.toAbsolutePath().normalize();
        if (to.startsWith(from) || from.startsWith(to)) {
            throw new SalveException("BAD_OUTPUT", "--out " + out + " must lie outside the bundle " + bundle.dir());
        }
        try (Stream<Path> entries = Files.isDirectory(to) ? Files.list(to) : Stream.empty()) {
            if (Files.exists(to) && (!Files.isDirectory(to) || entries.findAny().isPresent())) {
                throw new SalveException("BUNDLE_EXISTS", out + " exists already; edits never overwrite a bundle, "
                        + "so pick a new --out");
            }
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot read " + out + ": " + e.getMessage(), e);
        }
    }

    /** Copies the bundle but for {@link #HEAD_OUTPUTS}. */
    private void copyTo(Path out) {
        Path from = bundle.dir().toAbsolutePath().normalize();
        Path to = out.toAbsolutePath().normalize();
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path rel = from.relativize(f);
                if (!rel.toString().isEmpty() && HEAD_OUTPUTS.contains(rel.getName(0).toString())) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot copy " + bundle.dir() + " to " + out + ": " + e.getMessage(),
                    e);
        }
    }

    // ---- sweep ------------------------------------------------------------------------------------------------

    /**
     * What {@code sweeps/<name>.json} holds: per-class accuracy against alpha on the test split.
     *
     * @param accuracy       {@code accuracy[a][k]}
     * @param targetAccuracy the target class's accuracy per alpha
     * @param meanOffTarget  the mean accuracy of the other classes per alpha
     */
    public record SweepReport(EditTemplate edit, int targetClass, List<String> classNames, double[] alphas,
                              double[][] accuracy, int[] support, double[] overall, double[] targetAccuracy,
                              double[] meanOffTarget) {
    }

    /** A report and the files it went to. */
    public record Written<T>(T report, Path json, Path png) {
    }

    /** Sweeps {@code edit} over {@code alphas}; writes {@code sweeps/<name>.json} and a line plot beside it. */
    public Written<SweepReport> writeSweep(EditTemplate edit, int targetClass, double[] alphas) {
        checkClass(targetClass);
        Sweep s = sweep(edit, alphas);
        String name = "class-" + targetClass + "-feature-" + edit.feature() + "-" + edit.method().id() + "-"
                + edit.direction().id() + (edit.rows().isEmpty() ? ""
                : "-rows-" + edit.rows().stream().map(String::valueOf).collect(Collectors.joining("-")));
        SweepReport report = new SweepReport(edit, targetClass, classNames(), s.alphas(), s.accuracy(), s.support(),
                s.overall(), s.classAccuracy(targetClass), s.meanOffTarget(targetClass));
        Written<SweepReport> out = write("sweeps", name, report);
        plotSweep(out.png(), s, edit, k -> k == targetClass, "mean of the other classes", report.meanOffTarget());
        return out;
    }

    /** Per-class accuracy lines: {@code highlight}ed classes bold, the rest thin, {@code mean} dashed. */
    void plotSweep(Path png, Sweep s, EditTemplate edit, IntPredicate highlight, String meanName, double[] mean) {
        List<Plots.Line> lines = new ArrayList<>();
        for (int k = 0; k < head.numClasses(); k++) {
            lines.add(new Plots.Line(classNames().get(k), s.classAccuracy(k),
                    highlight.test(k) ? Plots.Style.BOLD : Plots.Style.THIN));
        }
        lines.add(new Plots.Line(meanName, mean, Plots.Style.DASHED));
        Plots.lines(png, edit.direction().id() + " feature " + edit.feature() + " (" + edit.method().id() + ")",
                "alpha", "test accuracy", s.alphas(), lines);
    }

    // ---- alpha-crit -------------------------------------------------------------------------------------------

    /** A {@link Summary} with its undefined fraction, for JSON. */
    public record Stats(int count, int undefined, double fractionUndefined, double q1, double median, double q3) {

        public static Stats of(double[] values) {
            Summary s = Summary.of(values);
            return new Stats(s.count(), s.undefined(), s.fractionUndefined(), s.q1(), s.median(), s.q3());
        }
    }

    /**
     * Thresholds of the test samples of one class, in parallel arrays: their test-set {@code index}, {@code analytic}
     * and exact ({@code numeric}) alpha_crit, and {@code flip}, alpha_flip with the class it flips {@code to}. NaN
     * marks undefined: alpha_crit where the logit starts at or below zero or never reaches it within
     * {@link #maxAlpha()}; alpha_flip where the sample is misclassified unedited (it has no class-k prediction to
     * lose). A prediction that never flips has {@code flip = +inf} and {@code to = -1}.
     */
    public record Thresholds(int[] index, double[] analytic, double[] numeric, double[] flip, int[] to) {
    }

    /** What {@code alpha-crit/class-<k>.json} holds. */
    public record AlphaCritReport(int targetClass, String className, EditTemplate edit, double alphaMax,
                                  int samples, Stats analytic, Stats numeric, Stats flip, Thresholds perSample) {
    }

    /** alpha_crit and alpha_flip of every test sample of class {@code cls} under a suppression {@code edit}. */
    public Thresholds thresholds(EditTemplate edit, int cls) {
        if (edit.direction() != Direction.SUPPRESS) {
            throw new IllegalArgumentException("thresholds are defined for suppressions, not " + edit);
        }
        checkClass(cls);
        EditPath path = EditPath.of(head, sae, edit);
        int[] index = IntStream.range(0, test().count()).filter(n -> test().labels()[n] == cls).toArray();
        double[] analytic = new double[index.length];
        double[] numeric = new double[index.length];
        double[] flip = new double[index.length];
        int[] to = new int[index.length];
        for (int i = 0; i < index.length; i++) {
            LogitPath logits = path.trace(test().rows()[index[i]]);
            AlphaCrit crit = AlphaCrit.of(logits, cls, maxAlpha);
            AlphaFlip flips = AlphaFlip.of(logits);
            analytic[i] = crit.analytic();
            numeric[i] = crit.numeric();
            flip[i] = flips.from() == cls ? flips.alpha() : Double.NaN;
            to[i] = flips.from() == cls ? flips.to() : -1;
        }
        return new Thresholds(index, analytic, numeric, flip, to);
    }

    /** Writes {@code alpha-crit/class-<k>.json} and a histogram beside it. */
    public Written<AlphaCritReport> writeAlphaCrit(EditTemplate edit, int cls) {
        Thresholds t = thresholds(edit, cls);
        AlphaCritReport report = new AlphaCritReport(cls, classNames().get(cls), edit, maxAlpha, t.index().length,
                Stats.of(t.analytic()), Stats.of(t.numeric()), Stats.of(t.flip()), t);
        Written<AlphaCritReport> out = write("alpha-crit", "class-" + cls, report);
        Map<String, double[]> samples = new LinkedHashMap<>();
        samples.put("alpha_crit analytic", t.analytic());
        samples.put("alpha_crit exact", t.numeric());
        samples.put("alpha_flip", t.flip());
        Plots.histogram(out.png(), classNames().get(cls) + ": suppressing feature " + edit.feature() + " ("
                + edit.method().id() + ")", "alpha", samples, 30);
        return out;
    }

    // ---- files ------------------------------------------------------------------------------------------------

    /** Writes {@code report} to {@code <bundle>/<folder>/<name>.json}; the caller draws {@code <name>.png}. */
    <T> Written<T> write(String folder, String name, T report) {
        try {
            Files.createDirectories(bundle.file(folder));
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot create " + bundle.file(folder) + ": " + e.getMessage(), e);
        }
        String base = folder + "/" + name;
        bundle.writeJson(base + ".json", report);
        return new Written<>(report, bundle.file(base + ".json"), bundle.file(base + ".png"));
    }
}
