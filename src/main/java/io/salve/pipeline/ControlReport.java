package io.salve.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.salve.core.FeatureCatalog.CrossClassFeature;
import io.salve.core.FeatureSelection;
import io.salve.core.Progress;
import io.salve.core.SalveException;
import io.salve.core.diagnose.Suppression;
import io.salve.core.diagnose.Sweep;
import io.salve.core.diagnose.TargetAlpha;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditTemplate;
import io.salve.core.edit.RowScope;
import io.salve.model.ClassifierMetrics;
import io.salve.pipeline.Control.Stats;
import io.salve.pipeline.Control.Thresholds;
import io.salve.viz.Plots;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The paper's control experiments over one bundle, as {@code report/report.{json,md}} and PNGs: suppress each class
 * through its selected feature(s) with each method and row scope (the fewest features and weakest strengths reaching
 * the accuracy goal, and what it costs the other classes), enhance the feature, suppress the strongest cross-class
 * feature, and summarise alpha_crit / alpha_flip per class.
 */
public final class ControlReport {

    /**
     * Suppressing class {@code cls} with one method and row scope ({@link Suppression}).
     *
     * @param features        the features edited, in order ({@code alphas} their strengths): how many the class
     *                        needed; when the goal is out of reach, those giving the lowest accuracy within budget
     * @param targetAccuracy  the class's test accuracy after the edits
     * @param offTargetChange the other classes' mean accuracy change, percentage points
     * @param enhance         enhancing the class's selected feature at the settings' strength
     * @param alphaCrit       exact alpha_crit of the selected feature over the class's test samples;
     *                        {@code alphaCritAnalytic} its linear estimate; {@code alphaFlip} over those predicted
     *                        correctly unedited
     */
    public record MethodResult(List<Integer> features, List<Double> alphas, boolean reached, double targetAccuracy,
                               double offTargetChange, Enhancement enhance, Stats alphaCrit, Stats alphaCritAnalytic,
                               Stats alphaFlip) {
    }

    /** Enhancing the same feature: accuracy changes in percentage points. */
    public record Enhancement(double accuracyChange, double offTargetChange) {
    }

    /**
     * @param feature the class's feature under the settings' selection; {@code dominantFeature} and
     *                {@code selectiveFeature} both definitions
     * @param scopes  per row scope ({@code all}, {@code class}), per method
     */
    public record ClassResult(@JsonProperty("class") int cls, String name, int feature, int dominantFeature,
                              int selectiveFeature, double baselineAccuracy,
                              Map<String, Map<String, MethodResult>> scopes) {
    }

    public record SharedClass(@JsonProperty("class") int cls, String name, double before, double after) {
    }

    /**
     * Suppressing the cross-class feature at {@code alpha}, the weakest strength that takes one of the classes
     * sharing it to the goal (or the best any reaches): each sharing class before and after, and the mean change of
     * the classes not sharing it (percentage points).
     */
    public record CrossClassResult(double alpha, List<SharedClass> classes, double othersChange) {
    }

    public record CrossClass(int feature, List<Integer> classes, List<Double> means,
                             Map<String, CrossClassResult> methods) {
    }

    /**
     * What the report compares.
     *
     * @param goal         the accuracy a suppression must reach
     * @param tolerance    the largest mean off-target loss, in percentage points, of a clean suppression (the budget
     *                     the multi-feature search keeps)
     * @param enhanceAlpha the strength of the enhancement check
     * @param selection    which of a class's features come first ({@link FeatureSelection})
     * @param scopes       the head rows edited: all (the paper's per-feature edit) and/or the class's own row
     * @param maxFeatures  the most features one class's suppression may use
     */
    public record Settings(List<EditMethod> methods, double goal, double tolerance, double enhanceAlpha,
                           FeatureSelection selection, List<RowScope> scopes, int maxFeatures) {

        public Settings {
            methods = List.copyOf(methods);
            scopes = List.copyOf(scopes);
        }
    }

    /**
     * What {@code report/report.json} holds.
     *
     * @param suppressedClasses per row scope and method, the classes taken to the goal within the tolerance
     * @param crossClass        null when the catalog has no cross-class feature
     */
    public record Report(String bundle, Settings settings, ClassifierMetrics baseline, List<ClassResult> classes,
                         Map<String, Map<String, List<Integer>>> suppressedClasses, CrossClass crossClass,
                         double seconds) {
    }

    private ControlReport() {
    }

    public static Control.Written<Report> write(Control control, Settings settings, Progress progress) {
        long start = System.nanoTime();
        ClassifierMetrics baseline = control.metrics(control.head());
        List<ClassResult> classes = new ArrayList<>();
        Map<String, Map<String, List<Integer>>> suppressed = new LinkedHashMap<>();
        int numClasses = control.classNames().size();
        for (int k = 0; k < numClasses; k++) {
            progress.update("report", k, numClasses, control.classNames().get(k));
            int feature = control.feature(k, settings.selection());
            Map<String, Map<String, MethodResult>> scopes = new LinkedHashMap<>();
            for (RowScope scope : settings.scopes()) {
                Map<String, MethodResult> results = new LinkedHashMap<>();
                for (EditMethod method : settings.methods()) {
                    MethodResult r = classResult(control, method, scope, k, settings);
                    results.put(method.id(), r);
                    List<Integer> clean = suppressed.computeIfAbsent(scope.id(), s -> new LinkedHashMap<>())
                            .computeIfAbsent(method.id(), m -> new ArrayList<>());
                    if (r.reached() && r.offTargetChange() >= -settings.tolerance()) {
                        clean.add(k);
                    }
                }
                scopes.put(scope.id(), results);
            }
            classes.add(new ClassResult(k, control.classNames().get(k), feature, control.dominantFeature(k),
                    control.feature(k, FeatureSelection.SELECTIVE), baseline.perClassAccuracy().get(k), scopes));
        }
        CrossClass cross = crossClass(control, settings.methods(), settings.goal());
        Report report = new Report(control.bundle().dir().toString(), settings, baseline, classes, suppressed, cross,
                (System.nanoTime() - start) / 1e9);

        Control.Written<Report> out = control.write("report", "report", report);
        plots(control, report);
        try {
            Files.writeString(out.json().resolveSibling("report.md"), markdown(report));
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot write report.md: " + e.getMessage(), e);
        }
        return out;
    }

    private static MethodResult classResult(Control control, EditMethod method, RowScope scope, int k,
                                            Settings settings) {
        Suppression s = control.suppression(control.plan(k, settings.selection(), method, scope.rows(k),
                settings.goal(), settings.tolerance(), settings.maxFeatures()));
        EditTemplate suppress = new EditTemplate(control.feature(k, settings.selection()), method, Direction.SUPPRESS,
                scope.rows(k));
        EditTemplate enhance = new EditTemplate(suppress.feature(), method, Direction.ENHANCE, suppress.rows());
        Sweep enhanced = control.sweep(enhance, new double[] {0, settings.enhanceAlpha()});
        Thresholds t = control.thresholds(suppress, k);
        return new MethodResult(s.features(), s.edits().stream().map(Edit::alpha).toList(), s.reached(),
                s.accuracy(), s.offTargetChange(),
                new Enhancement(change(enhanced.classAccuracy(k)), change(enhanced.meanOffTarget(k))),
                Stats.of(t.numeric()), Stats.of(t.analytic()), Stats.of(t.flip()));
    }

    /** The cross-class feature with the largest summed |mu| over the classes sharing it, suppressed by each method. */
    private static CrossClass crossClass(Control control, List<EditMethod> methods, double goal) {
        CrossClassFeature strongest = control.crossClassFeatures().stream()
                .max(Comparator.comparingDouble(f -> f.means().stream().mapToDouble(Math::abs).sum()))
                .orElse(null);
        if (strongest == null) {
            return null;
        }
        IntPredicate shares = strongest.classes()::contains;
        Map<String, CrossClassResult> results = new LinkedHashMap<>();
        for (EditMethod method : methods) {
            EditTemplate suppress = EditTemplate.suppress(strongest.feature(), method);
            List<TargetAlpha> found = strongest.classes().stream().map(c -> control.targetAlpha(suppress, c, goal))
                    .toList();
            double alpha = found.stream().filter(TargetAlpha::reached).mapToDouble(TargetAlpha::alpha).min()
                    .orElseGet(() -> found.stream().min(Comparator.comparingDouble(TargetAlpha::accuracy))
                            .orElseThrow().alpha());
            Sweep s = control.sweep(suppress, new double[] {0, alpha});
            List<SharedClass> shared = strongest.classes().stream().map(c -> new SharedClass(c,
                    control.classNames().get(c), s.accuracy()[0][c], s.accuracy()[1][c])).toList();
            results.put(method.id(), new CrossClassResult(alpha, shared, change(meanOf(s, shares.negate()))));
        }
        return new CrossClass(strongest.feature(), strongest.classes(), strongest.means(), results);
    }

    /** The mean accuracy of the classes {@code include} admits, per alpha. */
    private static double[] meanOf(Sweep s, IntPredicate include) {
        double[] out = new double[s.alphas().length];
        for (int a = 0; a < out.length; a++) {
            double sum = 0;
            int n = 0;
            for (int k = 0; k < s.support().length; k++) {
                if (include.test(k) && s.support()[k] > 0) {
                    sum += s.accuracy()[a][k];
                    n++;
                }
            }
            out[a] = n == 0 ? Double.NaN : sum / n;
        }
        return out;
    }

    /** The change from the first to the last value, in percentage points. */
    private static double change(double[] values) {
        return 100 * (values[values.length - 1] - values[0]);
    }

    private static void plots(Control control, Report report) {
        List<String> names = report.classes().stream().map(ClassResult::name).toList();
        for (RowScope scope : report.settings().scopes()) {
            Plots.bars(control.bundle().file("report/features-" + scope.id() + ".png"), "Features each class needed "
                    + "to reach <= " + pct(report.settings().goal()) + " (rows: " + scope.id() + ")", "features",
                    names, perMethod(report, scope, r -> r.features().size()), false);
            Plots.bars(control.bundle().file("report/off-target-" + scope.id() + ".png"), "Mean off-target accuracy "
                    + "change (rows: " + scope.id() + ")", "percentage points", names,
                    perMethod(report, scope, MethodResult::offTargetChange), false);
        }
        CrossClass cross = report.crossClass();
        if (cross != null) {
            IntPredicate shares = cross.classes()::contains;
            for (EditMethod method : report.settings().methods()) {
                EditTemplate suppress = EditTemplate.suppress(cross.feature(), method);
                Sweep s = control.sweep(suppress, Control.DEFAULT_ALPHAS);
                control.plotSweep(control.bundle().file("report/cross-class-" + method.id() + ".png"), s, suppress,
                        shares, "mean of the classes not sharing it", meanOf(s, shares.negate()));
            }
        }
    }

    private static Map<String, double[]> perMethod(Report report, RowScope scope, ToDoubleFunction<MethodResult> value) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (EditMethod method : report.settings().methods()) {
            out.put(method.id(), report.classes().stream()
                    .mapToDouble(c -> value.applyAsDouble(c.scopes().get(scope.id()).get(method.id()))).toArray());
        }
        return out;
    }

    // ---- report.md --------------------------------------------------------------------------------------------

    static String markdown(Report r) {
        Settings settings = r.settings();
        List<String> methods = settings.methods().stream().map(EditMethod::id).toList();
        String first = settings.scopes().get(0).id();
        StringBuilder md = new StringBuilder();
        md.append("# SALVE control report\n\n")
                .append(String.format(Locale.ROOT, "Bundle `%s`: %d test images, baseline accuracy %s. Each class is "
                        + "suppressed through up to %d of its features, %s first (feature: the first of them), with "
                        + "each method: the fewest features and weakest alphas that take the class to <= %s test "
                        + "accuracy with the other classes' mean accuracy falling at most %s pp (`*`: out of reach; the "
                        + "edits giving the lowest accuracy within that budget). Cells: feature@alpha, in order. "
                        + "Off-target: the mean accuracy change of the other classes, in percentage points.%n%n",
                        r.bundle(), r.baseline().testCount(), pct(r.baseline().testAccuracy()), settings.maxFeatures(),
                        settings.selection().id(), pct(settings.goal()), num(settings.tolerance())));

        for (RowScope scope : settings.scopes()) {
            md.append(String.format(Locale.ROOT, "## Suppressing each class (edited head rows: %s)%n%n"
                    + "| class | feature | baseline |", scope == RowScope.ALL ? "all" : "the class's own"));
            methods.forEach(m -> md.append(" ").append(m).append(" edits | accuracy | off-target |"));
            md.append("\n|---|---:|---:|").append("---|---:|---:|".repeat(methods.size())).append('\n');
            for (ClassResult c : r.classes()) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %s |", c.name(), c.feature(),
                        pct(c.baselineAccuracy())));
                for (String m : methods) {
                    MethodResult x = c.scopes().get(scope.id()).get(m);
                    String edits = IntStream.range(0, x.features().size()).mapToObj(i -> x.features().get(i) + "@"
                            + num(x.alphas().get(i))).collect(Collectors.joining(", "));
                    md.append(String.format(Locale.ROOT, " %s%s | %s | %s |", edits.isEmpty() ? "-" : edits,
                            x.reached() ? "" : "*", pct(x.targetAccuracy()), pp(x.offTargetChange())));
                }
                md.append('\n');
            }
            md.append(String.format(Locale.ROOT, "%nSuppressed cleanly (<= %s, off-target >= -%s pp), and the "
                    + "features used:%n%n", pct(settings.goal()), num(settings.tolerance())));
            r.suppressedClasses().get(scope.id()).forEach((m, ks) -> md.append(String.format(Locale.ROOT,
                    "- %s: %d/%d classes%s%n", m, ks.size(), r.classes().size(), ks.isEmpty() ? "" : " ("
                            + ks.stream().map(k -> r.classes().get(k).name() + " " + r.classes().get(k).scopes()
                                    .get(scope.id()).get(m).features().size())
                            .collect(Collectors.joining(", ")) + ")")));
            md.append('\n');
        }
        md.append(String.format(Locale.ROOT, "Enhancement and reliance below: the class's feature, rows %s.%n",
                first));

        md.append(String.format(Locale.ROOT, "%n## Enhancing it at alpha %s%n%nAccuracy change of the class and mean "
                + "change of the others, percentage points.%n%n| class |", num(settings.enhanceAlpha())));
        methods.forEach(m -> md.append(" ").append(m).append(" class | others |"));
        md.append("\n|---|").append("---:|---:|".repeat(methods.size())).append('\n');
        for (ClassResult c : r.classes()) {
            md.append("| ").append(c.name()).append(" |");
            for (String m : methods) {
                Enhancement e = c.scopes().get(first).get(m).enhance();
                md.append(" ").append(pp(e.accuracyChange())).append(" | ").append(pp(e.offTargetChange()))
                        .append(" |");
            }
            md.append('\n');
        }

        CrossClass x = r.crossClass();
        if (x != null) {
            md.append(String.format(Locale.ROOT, "%n## Cross-class feature %d%n%nThe catalog's strongest shared "
                    + "feature (largest summed |mu|), strong for %s. Suppressed at the weakest alpha taking one of "
                    + "them to <= %s; accuracy before -> after.%n%n| method | alpha |", x.feature(),
                    names(r, x.classes()), pct(settings.goal())));
            x.classes().forEach(k -> md.append(" ").append(r.classes().get(k).name()).append(" |"));
            md.append(" other classes |\n|---|---:|").append("---:|".repeat(x.classes().size() + 1)).append('\n');
            x.methods().forEach((m, res) -> {
                md.append("| ").append(m).append(" | ").append(num(res.alpha())).append(" |");
                res.classes().forEach(c -> md.append(" ").append(pct(c.before())).append(" -> ")
                        .append(pct(c.after())).append(" |"));
                md.append(" ").append(pp(res.othersChange())).append(" |\n");
            });
        }

        md.append("\n## Reliance: alpha_crit and alpha_flip\n\nMedians over each class's test samples where defined "
                + "(exact alpha_crit: the class logit reaches zero; alpha_flip: a correct prediction leaves the "
                + "class; inf: never).\n\n| class |");
        methods.forEach(m -> md.append(" ").append(m).append(" alpha_crit | alpha_flip |"));
        md.append("\n|---|").append("---:|---:|".repeat(methods.size())).append('\n');
        for (ClassResult c : r.classes()) {
            md.append("| ").append(c.name()).append(" |");
            for (String m : methods) {
                MethodResult res = c.scopes().get(first).get(m);
                md.append(" ").append(num(res.alphaCrit().median())).append(" | ")
                        .append(num(res.alphaFlip().median())).append(" |");
            }
            md.append('\n');
        }
        md.append(String.format(Locale.ROOT, "%nComputed in %.1f s. Charts: features-<rows>.png, off-target-<rows>.png%s.%n",
                r.seconds(), x == null ? "" : ", cross-class-<method>.png"));
        return md.toString();
    }

    private static String names(Report r, List<Integer> classes) {
        return classes.stream().map(k -> r.classes().get(k).name()).collect(Collectors.joining(", "));
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String pp(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%+.1f", v);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : Double.isInfinite(v) ? "inf" : String.format(Locale.ROOT, "%.3g", v);
    }
}
