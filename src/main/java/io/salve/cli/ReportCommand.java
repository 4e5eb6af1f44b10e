package io.salve.cli;

import io.salve.core.FeatureSelection;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.RowScope;
import io.salve.pipeline.Control;
import io.salve.pipeline.ControlReport;
import io.salve.pipeline.ControlReport.Report;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "The paper's control table for a bundle: suppress each class through its feature(s), enhance it, "
                + "suppress the strongest cross-class feature, alpha_crit per class (report/report.{md,json}, PNGs).")
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOptions options = new BundleOptions();

    @Option(names = "--methods", split = ",", defaultValue = "salve,rank1,projection",
            description = "Edit methods to compare. Default: ${DEFAULT-VALUE}.")
    List<String> methods;

    @Option(names = "--target-accuracy", defaultValue = "0.05",
            description = "Accuracy a suppression must take its class to. Default: ${DEFAULT-VALUE}.")
    double goal;

    @Option(names = "--tolerance", defaultValue = "2",
            description = "Largest mean off-target loss (percentage points) of a clean suppression. Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(names = "--enhance-alpha", defaultValue = "1",
            description = "Strength of the enhancement check. Default: ${DEFAULT-VALUE}.")
    double enhanceAlpha;

    @Option(names = "--rows", split = ",", defaultValue = "all,class", description = "Head rows a suppression edits, "
            + "compared side by side: all (the paper's per-feature edit) and/or class (the class's own row). "
            + "Default: ${DEFAULT-VALUE}.")
    List<String> rows;

    @Option(names = "--target-row", description = "Same as --rows class (kept from earlier versions).")
    boolean targetRow;

    @Option(names = "--selection", defaultValue = "selective", description = "Which of a class's features come first: "
            + "selective or dominant (the paper's). Default: ${DEFAULT-VALUE}.")
    String selection;

    @Option(names = "--max-features", defaultValue = "3", description = "Features one class's suppression may use. "
            + "Default: ${DEFAULT-VALUE}.")
    int maxFeatures;

    @Override
    public Integer call() throws Exception {
        ControlReport.Settings settings = new ControlReport.Settings(
                methods.stream().map(EditMethod::parse).distinct().toList(), goal, tolerance, enhanceAlpha,
                FeatureSelection.parse(selection),
                targetRow ? List.of(RowScope.CLASS) : rows.stream().map(RowScope::parse).distinct().toList(),
                maxFeatures);
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Control.Written<Report> w = ControlReport.write(options.control(progress), settings, progress);
            spec.commandLine().getOut().printf("wrote %s and %s (%.1f s)%n%n%s", w.json(),
                    w.json().resolveSibling("report.md"), w.report().seconds(),
                    Files.readString(w.json().resolveSibling("report.md")));
        }
        return 0;
    }
}
