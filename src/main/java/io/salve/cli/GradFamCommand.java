package io.salve.cli;

import io.salve.model.Bundle;
import io.salve.pipeline.Discovery;
import io.salve.pipeline.Validation;
import java.io.PrintWriter;
import java.nio.file.Path;
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
    EngineOptions engine = new EngineOptions();

    @Option(names = "--bundle", required = true)
    Path bundle;

    @Option(names = "--feature", required = true, description = "SAE feature (latent) index.")
    int feature;

    @Option(names = "--count", defaultValue = "16", description = "Top-activating test images to map. Default: ${DEFAULT-VALUE}.")
    int count;

    @Option(names = "--data-dir", description = "Where the bundle's data set lives, if not where it was trained.")
    Path dataDir;

    @Override
    public Integer call() {
        Bundle b = Bundle.open(bundle);
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Validation.GradFamReport report = engine.validation(progress)
                    .gradFam(b, Discovery.dataOf(b, dataDir), feature, count);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("wrote %s and .json: feature %d on %d test images (ranked by the %s)%n",
                    b.file("gradfam/feature-" + feature + ".png"), feature, report.images().size(), report.ranking());
            report.images().forEach(i -> out.printf("  #%-5d %-12s z %8.3f  peak (%d, %d)%n", i.index(), i.label(),
                    i.latent(), i.peak()[0], i.peak()[1]));
        }
        return 0;
    }
}
