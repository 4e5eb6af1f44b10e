package io.salve.pipeline;

import io.salve.core.FeatureCatalog;
import io.salve.core.FeatureSelection;
import io.salve.core.Head;
import io.salve.core.Progress;
import io.salve.core.Sae;
import io.salve.core.SaeConfig;
import io.salve.core.SaeMetrics;
import io.salve.core.SaeTrainer;
import io.salve.core.SalveException;
import io.salve.core.diagnose.Suppression;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.RowScope;
import io.salve.model.Activations;
import io.salve.model.Bundle;
import io.salve.viz.Plots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How class control depends on the SAE's settings: trains one SAE per setting on a bundle's activations (into a study
 * directory; the bundle's own SAE is never touched) and measures, on the test split, its reconstruction and how many
 * classes each strategy suppresses cleanly per method and row scope.
 *
 * <p>Strategies: {@code dominant-1} (the paper's: the class's dominant feature alone), {@code selective-1} (its
 * selective feature alone) and {@code selective-N} (up to N of its features by selectivity, the default strategy of
 * {@code salve edit} and {@code salve report}). A class counts at a {@link Target} when the suppression reaches it.
 */
public final class SaeStudy {

    /**
     * A goal for suppressing one class.
     *
     * @param goal      the class's accuracy at most
     * @param tolerance the mean off-target loss at most, percentage points
     * @param twoSided  the off-target change must also be at most {@code +tolerance} (the other classes left as they
     *                  were, not merely not hurt)
     */
    public record Target(double goal, double tolerance, boolean twoSided) {

        public static final Target CLEAN = new Target(0.05, 2, false);
        public static final Target STRICT = new Target(0.02, 1, true);

        boolean met(Suppression s) {
            return s.clean(tolerance) && (!twoSided || s.offTargetChange() <= tolerance);
        }
    }

    public record Settings(List<EditMethod> methods, List<RowScope> scopes, int maxFeatures, double maxAlpha) {

        public Settings {
            methods = List.copyOf(methods);
            scopes = List.copyOf(scopes);
        }

        /** The strategies compared, name to (selection, features). */
        Map<String, Strategy> strategies() {
            Map<String, Strategy> out = new LinkedHashMap<>();
            out.put("dominant-1", new Strategy(FeatureSelection.DOMINANT, 1));
            out.put("selective-1", new Strategy(FeatureSelection.SELECTIVE, 1));
            out.put(defaultStrategy(), new Strategy(FeatureSelection.SELECTIVE, maxFeatures));
            return out;
        }

        public String defaultStrategy() {
            return "selective-" + maxFeatures;
        }
    }

    record Strategy(FeatureSelection selection, int features) {
    }

    /**
     * One SAE's line of the table.
     *
     * @param clean        per strategy, per {@code method/rows}: classes taken to {@link Target#CLEAN}
     * @param strict       per {@code method/rows}: classes the default strategy takes to {@link Target#STRICT}
     * @param featuresUsed per {@code method/rows}: the mean number of features the default strategy used for the
     *                     classes it suppressed cleanly
     */
    public record Row(String name, SaeConfig config, double fvu, double meanL0, int deadLatents,
                      long distinctDominant, long distinctSelective, Map<String, Map<String, Integer>> clean,
                      Map<String, Integer> strict, Map<String, Double> featuresUsed) {

        /** The most classes {@code strategy} suppresses cleanly by any method and row scope. */
        public int bestClean(String strategy) {
            return clean.get(strategy).values().stream().mapToInt(Integer::intValue).max().orElse(0);
        }

        public int bestStrict() {
            return strict.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        }
    }

    /** What {@code study.json} holds. */
    public record Table(String bundle, int classes, Settings settings, String defaultStrategy, Target clean,
                        Target strict, List<Row> rows) {
    }

    private SaeStudy() {
    }

    /** The table's line for {@code sae}, measured on labelled test activations under {@code head}. */
    public static Row measure(String name, SaeConfig config, Sae sae, Head head, float[][] acts, int[] labels,
                              List<String> classNames, Settings settings, Progress progress) {
        float[][] latents = new float[acts.length][];
        for (int n = 0; n < acts.length; n++) {
            latents[n] = sae.encode(acts[n]);
        }
        SaeMetrics metrics = SaeMetrics.evaluate(sae, acts);
        FeatureCatalog catalog = FeatureCatalog.build(latents, labels, classNames, metrics.firingRate(), 0);
        Map<String, Map<String, Integer>> clean = new LinkedHashMap<>();
        Map<String, Integer> strict = new LinkedHashMap<>();
        Map<String, Double> featuresUsed = new LinkedHashMap<>();
        int total = settings.strategies().size() * settings.methods().size() * settings.scopes().size();
        int done = 0;
        for (Map.Entry<String, Strategy> e : settings.strategies().entrySet()) {
            Strategy strategy = e.getValue();
            boolean isDefault = e.getKey().equals(settings.defaultStrategy());
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (EditMethod method : settings.methods()) {
                for (RowScope scope : settings.scopes()) {
                    String key = method.id() + "/" + scope.id();
                    progress.update(name, done++, total, e.getKey() + " " + key);
                    int cleanCount = 0;
                    int strictCount = 0;
                    int features = 0;
                    for (int k = 0; k < classNames.size(); k++) {
                        Suppression s = suppress(catalog, k, strategy, method, scope, Target.CLEAN, head, sae,
                                settings, acts, labels);
                        if (Target.CLEAN.met(s)) {
                            cleanCount++;
                            features += s.edits().size();
                        }
                        if (isDefault && Target.STRICT.met(suppress(catalog, k, strategy, method, scope,
                                Target.STRICT, head, sae, settings, acts, labels))) {
                            strictCount++;
                        }
                    }
                    counts.put(key, cleanCount);
                    if (isDefault) {
                        strict.put(key, strictCount);
                        featuresUsed.put(key, cleanCount == 0 ? Double.NaN : (double) features / cleanCount);
                    }
                }
            }
            clean.put(e.getKey(), counts);
        }
        return new Row(name, config, metrics.fvu(), metrics.meanL0(), metrics.deadLatents(),
                catalog.distinctFeatures(FeatureSelection.DOMINANT), catalog.distinctFeatures(FeatureSelection.SELECTIVE),
                clean, strict, featuresUsed);
    }

    private static Suppression suppress(FeatureCatalog catalog, int k, Strategy strategy, EditMethod method,
                                        RowScope scope, Target target, Head head, Sae sae, Settings settings,
                                        float[][] acts, int[] labels) {
        Suppression.Plan plan = Suppression.Plan.of(catalog, k, strategy.selection(), method, scope.rows(k),
                target.goal(), target.tolerance(), strategy.features());
        return Suppression.find(head, sae, plan, settings.maxAlpha(), acts, labels);
    }

    /**
     * Trains an SAE per configuration on {@code train}, keeps it as {@code <out>/<name>/sae.npz}, measures it on
     * {@code test}; writes {@code study.json}, {@code study.md} and {@code study.png} into {@code out}.
     */
    public static Control.Written<Table> run(Bundle bundle, Activations train, Activations test,
                                             List<SaeConfig> configs, Settings settings, Path out,
                                             Progress progress) {
        Path from = bundle.dir().toAbsolutePath().normalize();
        if (from.equals(out.toAbsolutePath().normalize())) {
            throw new SalveException("BAD_OUTPUT", "--out must not be the bundle itself: the study never replaces "
                    + "its sae.npz");
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            SaeConfig config = configs.get(i);
            String name = name(config);
            progress.update("study", i, configs.size(), "training " + name);
            Sae sae = SaeTrainer.train(train.rows(), config, progress);
            Path dir = out.resolve(name);
            createDirectories(dir);
            Bundle.writeSae(dir.resolve("sae.npz"), sae);
            Row row = measure(name, config, sae, bundle.head(), test.rows(), test.labels(),
                    bundle.metadata().classNames(), settings, progress);
            rows.add(row);
            write(dir.resolve("row.json"), row);
        }
        Table table = new Table(bundle.dir().toString(), bundle.metadata().classNames().size(), settings, settings.defaultStrategy(), Target.CLEAN,
                Target.STRICT, rows);
        write(out.resolve("study.json"), table);
        writeString(out.resolve("study.md"), markdown(table));
        Map<String, double[]> series = new LinkedHashMap<>();
        settings.strategies().keySet().forEach(s -> series.put(s + " clean",
                rows.stream().mapToDouble(r -> r.bestClean(s)).toArray()));
        series.put(settings.defaultStrategy() + " strict", rows.stream().mapToDouble(Row::bestStrict).toArray());
        Plots.bars(out.resolve("study.png"), "Classes suppressed (best method and rows) per SAE", "classes",
                rows.stream().map(Row::name).toList(), series, false);
        return new Control.Written<>(table, out.resolve("study.json"), out.resolve("study.png"));
    }

    /** e.g. {@code linear-l1-0.1-d64}, {@code topk-k8-l1-0-d64}. */
    static String name(SaeConfig c) {
        return c.kind().id() + (c.k() > 0 ? "-k" + c.k() : "") + "-l1-" + trim(c.l1()) + "-d" + c.latents();
    }

    static String markdown(Table t) {
        Row first = t.rows().isEmpty() ? null : t.rows().get(0);
        List<String> keys = first == null ? List.of() : List.copyOf(first.strict().keySet());
        List<String> strategies = List.copyOf(t.settings().strategies().keySet());
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "# SAE study of `%s`%n%nClasses suppressed "
                + "out of %d per SAE, method and edited rows (all: the paper's per-feature edit; class: the class's own "
                + "row). Cells: %s clean (<= %s, off-target >= -%s pp), then `%s` strict (<= %s, off-target within "
                + "±%s pp). Distinct: distinct dominant / selective features.%n%n| SAE | fvu | mean L0 | dead | "
                + "distinct |", t.bundle(), t.classes(), String.join(" / ", strategies),
                pct(t.clean().goal()), trim(t.clean().tolerance()), t.defaultStrategy(), pct(t.strict().goal()),
                trim(t.strict().tolerance())));
        keys.forEach(k -> md.append(' ').append(k).append(" |"));
        md.append("\n|---|---:|---:|---:|---:|").append("---:|".repeat(keys.size())).append('\n');
        for (Row r : t.rows()) {
            md.append(String.format(Locale.ROOT, "| %s | %.4f | %.1f | %d | %d / %d |", r.name(), r.fvu(), r.meanL0(),
                    r.deadLatents(), r.distinctDominant(), r.distinctSelective()));
            for (String k : keys) {
                StringBuilder cell = new StringBuilder();
                strategies.forEach(s -> cell.append(cell.length() == 0 ? "" : " / ").append(r.clean().get(s).get(k)));
                md.append(' ').append(cell).append(" (").append(r.strict().get(k)).append(") |");
            }
            md.append('\n');
        }
        md.append(String.format(Locale.ROOT, "%nBest by any method and rows: %s.%n", t.rows().stream()
                .map(r -> String.format(Locale.ROOT, "%s %s clean, %d strict", r.name(), strategies.stream()
                        .map(s -> String.valueOf(r.bestClean(s))).reduce((a, b) -> a + "/" + b).orElse(""),
                        r.bestStrict()))
                .reduce((a, b) -> a + "; " + b).orElse("none")));
        return md.toString();
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * v);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, Object value) {
        try {
            Bundle.JSON.writeValue(file.toFile(), value);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeString(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
