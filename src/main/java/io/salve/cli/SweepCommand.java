package io.salve.cli;

import io.salve.core.edit.EditTemplate;
import io.salve.pipeline.Control;
import io.salve.pipeline.Control.SweepReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Per-class test accuracy against edit strength (sweeps/<name>.json and a line plot .png).")
final class SweepCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOptions options = new BundleOptions();

    @Mixin
    FeatureOptions target = new FeatureOptions();

    @Mixin
    DirectionOption direction = new DirectionOption();

    @Option(names = "--alphas", split = ",", description = "Strengths to evaluate. Default: 0,0.25,...,32.")
    double[] alphas = Control.DEFAULT_ALPHAS;

    @Override
    public Integer call() {
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Control control = options.control(progress);
            EditTemplate edit = target.template(spec, control, direction.parse());
            // The class drawn bold: the one named, else the one expressing the feature most.
            int cls = target.cls != null ? target.cls : control.loudestClass(edit.feature());
            Control.Written<SweepReport> w = control.writeSweep(edit, cls, alphas);
            SweepReport r = w.report();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("wrote %s and %s%n%10s %12s %12s%n", w.json(), w.png(), "alpha",
                    control.classNames().get(cls), "others");
            for (int a = 0; a < r.alphas().length; a++) {
                out.printf("%10.4g %12.4f %12.4f%n", r.alphas()[a], r.targetAccuracy()[a], r.meanOffTarget()[a]);
            }
        }
        return 0;
    }
}
