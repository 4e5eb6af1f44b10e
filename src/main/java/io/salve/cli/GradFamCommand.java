package io.salve.cli;

import io.salve.model.Bundle;
import io.salve.pipeline.Validation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "gradfam", mixinStandardHelpOptions = true,
        description = "Grad-FAM: where an SAE feature lives in its top-activating test images "
                + "(gradfam/feature-<l>.png, gradfam/feature-<l>.json).")
final class GradFamCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOptions target = new BundleOptions();

    @Option(names = "--feature", required = true, description = "SAE feature (latent) index.")
    int feature;

    @Option(names = "--count", defaultValue = "16", description = "Top-activating test images to map. Default: ${DEFAULT-VALUE}.")
    int count;

    @Override
    public Integer call() {
        Bundle b = target.open();
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Validation.GradFamReport report = target.engine.validation(progress)
                    .gradFam(b, target.data(b), feature, count);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("wrote %s and .json: feature %d on %d test images (ranked by the %s)%n",
                    b.file("gradfam/feature-" + feature + ".png"), feature, report.images().size(), report.ranking());
            report.images().forEach(i -> out.printf("  #%-5d %-12s z %8.3f  peak (%d, %d)%n", i.index(), i.label(),
                    i.latent(), i.peak()[0], i.peak()[1]));
        }
        return 0;
    }
}
