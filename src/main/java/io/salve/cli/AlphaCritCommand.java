package io.salve.cli;

import io.salve.core.edit.Direction;
import io.salve.pipeline.Control;
import io.salve.pipeline.Control.AlphaCritReport;
import io.salve.pipeline.Control.Stats;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "alpha-crit", mixinStandardHelpOptions = true,
        description = "Per test sample of a class: the suppression strength at which its logit reaches zero "
                + "(alpha_crit, analytic and exact) and at which its prediction leaves the class (alpha_flip); "
                + "alpha-crit/class-<k>.json and a histogram .png.")
final class AlphaCritCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOptions options = new BundleOptions();

    @Mixin
    FeatureOptions target = new FeatureOptions();

    @Override
    public Integer call() {
        if (target.cls == null) {
            throw new ParameterException(spec.commandLine(), "alpha-crit needs --class");
        }
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Control control = options.control(progress);
            control.checkClass(target.cls);
            Control.Written<AlphaCritReport> w = control.writeAlphaCrit(
                    target.template(spec, control, Direction.SUPPRESS), target.cls);
            AlphaCritReport r = w.report();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("wrote %s and %s: %s, %d test samples, feature %d (%s)%n", w.json(), w.png(), r.className(),
                    r.samples(), r.edit().feature(), r.edit().method().id());
            print(out, "alpha_crit analytic", r.analytic());
            print(out, "alpha_crit exact", r.numeric());
            print(out, "alpha_flip", r.flip());
        }
        return 0;
    }

    private static void print(PrintWriter out, String name, Stats s) {
        out.printf("  %-20s median %.4g [q1 %.4g, q3 %.4g], undefined %.1f%%%n", name, s.median(), s.q1(), s.q3(),
                100 * s.fractionUndefined());
    }
}
