package io.salve.cli;

import io.salve.core.edit.EditMethod;
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
        description = "The paper's control table for a bundle: suppress and enhance each class's dominant feature, "
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

    @Option(names = "--target-row", description = "Edit only the suppressed class's own head row (class-specific "
            + "suppression) instead of every row (the paper's per-feature edit).")
    boolean targetRow;

    @Override
    public Integer call() throws Exception {
        ControlReport.Settings settings = new ControlReport.Settings(
                methods.stream().map(EditMethod::parse).distinct().toList(), goal, tolerance, enhanceAlpha, targetRow);
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Control.Written<Report> w = ControlReport.write(options.control(progress), settings);
            spec.commandLine().getOut().printf("wrote %s and %s (%.1f s)%n%n%s", w.json(),
                    w.json().resolveSibling("report.md"), w.report().seconds(),
                    Files.readString(w.json().resolveSibling("report.md")));
        }
        return 0;
    }
}
