package io.salve.cli;

import io.salve.core.SalveException;
import io.salve.core.diagnose.Suppression;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditSet;
import io.salve.core.edit.EditTemplate;
import io.salve.model.ClassifierMetrics;
import io.salve.pipeline.Control;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "edit", mixinStandardHelpOptions = true,
        description = "Permanently edit a bundle's head: write a copy with the edited head.npz, edits.json and "
                + "metrics.json recomputed on the test set.")
final class EditCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOptions options = new BundleOptions();

    @Mixin
    FeatureOptions target = new FeatureOptions();

    @Mixin
    DirectionOption direction = new DirectionOption();

    @Option(names = "--alpha", description = "Edit strength, 0 up to salve.edits.max-alpha (see --config).")
    Double alpha;

    @Option(names = "--target-accuracy", description = "Instead of --alpha: the smallest set of the --class's features "
            + "(up to --max-features) and the weakest strengths that take it to this test accuracy (0..1).")
    Double targetAccuracy;

    @Option(names = "--max-features", defaultValue = "3", description = "With --target-accuracy: features a "
            + "suppression may use (1: only the class's selected feature). Default: ${DEFAULT-VALUE}.")
    int maxFeatures;

    @Option(names = "--tolerance", description = "With --target-accuracy: the largest mean off-target loss allowed, "
            + "percentage points. Default: none (reach the target, as cheaply as the search finds).")
    Double tolerance;

    @Option(names = "--edit", paramLabel = "FEATURE:METHOD:DIRECTION:ALPHA[:ROWS]",
            description = "An edit, e.g. 12:salve:suppress:4.5 or 7:rank1:enhance:0.5:3,5; repeat to apply several in "
                    + "order. Replaces --feature/--alpha.")
    List<String> edits = new ArrayList<>();

    @Option(names = "--out", required = true, description = "Directory of the edited bundle (must not exist).")
    Path out;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Control control = options.control(progress);
            Control.Edited e = control.edit(editSet(control, stdout), out);
            ClassifierMetrics before = e.before();
            ClassifierMetrics after = e.after();
            stdout.printf("wrote %s (edits.json: %d edit(s) since training); test accuracy %.4f -> %.4f%n",
                    e.bundle().dir(), e.applied().edits().size(), before.testAccuracy(), after.testAccuracy());
            for (int k = 0; k < before.perClassAccuracy().size(); k++) {
                stdout.printf("  %-12s %.4f -> %.4f%n", control.classNames().get(k), before.perClassAccuracy().get(k),
                        after.perClassAccuracy().get(k));
            }
        }
        return 0;
    }

    private EditSet editSet(Control control, PrintWriter stdout) {
        if (!edits.isEmpty()) {
            if (alpha != null || targetAccuracy != null || target.feature != null || target.cls != null) {
                throw new ParameterException(spec.commandLine(), "--edit replaces --feature, --class, --alpha and "
                        + "--target-accuracy; use one form or the other");
            }
            return new EditSet(edits.stream().map(EditCommand::parse).toList());
        }
        Direction d = direction.parse();
        if (targetAccuracy == null) {
            if (alpha == null) {
                throw new ParameterException(spec.commandLine(), "give --alpha, --target-accuracy or --edit");
            }
            return EditSet.of(target.template(spec, control, d).at(alpha));
        }
        if (alpha != null || target.cls == null || d != Direction.SUPPRESS) {
            throw new ParameterException(spec.commandLine(), "--target-accuracy needs --class, a suppression and no "
                    + "--alpha");
        }
        EditTemplate first = target.template(spec, control, d);
        Suppression.Plan plan = target.feature != null
                ? new Suppression.Plan(target.cls, List.of(target.feature), first.method(), first.rows(),
                        targetAccuracy, budget(), 1)
                : control.plan(target.cls, target.selection(), first.method(), first.rows(), targetAccuracy, budget(),
                        maxFeatures);
        Suppression s = control.suppression(plan);
        for (Edit e : s.edits()) {
            stdout.printf("feature %d: %s alpha %.6g%n", e.feature(), e.method().id(), e.alpha());
        }
        stdout.printf("%d feature(s) take %s from %.4f to %.4f test accuracy (goal %.4f); off-target change %+.2f pp%n",
                s.edits().size(), control.classNames().get(target.cls), s.baseline(), s.accuracy(), targetAccuracy,
                s.offTargetChange());
        if (!s.reached()) {
            throw new SalveException("TARGET_UNREACHABLE", "suppressing up to " + plan.maxFeatures() + " of features "
                    + plan.candidates() + " with " + first.method().id() + " gets "
                    + control.classNames().get(target.cls) + " no lower than " + s.accuracy()
                    + (tolerance == null ? "" : " within " + tolerance + " pp off-target")
                    + "; try another --method, --rows class, more --max-features or a --tolerance");
        }
        return s.editSet();
    }

    private double budget() {
        return tolerance == null ? Double.POSITIVE_INFINITY : tolerance;
    }

    /** {@code FEATURE:METHOD:DIRECTION:ALPHA[:ROWS]}, rows comma-separated. */
    static Edit parse(String spec) {
        String[] part = spec.split(":", -1);
        if (part.length < 4 || part.length > 5) {
            throw new SalveException("BAD_EDIT", "edit '" + spec + "' is not FEATURE:METHOD:DIRECTION:ALPHA[:ROWS]");
        }
        try {
            List<Integer> rows = part.length == 5
                    ? Arrays.stream(part[4].split(",")).map(String::trim).map(Integer::valueOf).toList() : List.of();
            return new Edit(Integer.parseInt(part[0].trim()), EditMethod.parse(part[1].trim()),
                    Direction.parse(part[2].trim()), Double.parseDouble(part[3].trim()), rows);
        } catch (NumberFormatException e) {
            throw new SalveException("BAD_EDIT", "edit '" + spec + "' has a malformed number: " + e.getMessage(), e);
        }
    }
}
