package io.salve.cli;

import io.salve.core.FeatureCatalog;
import io.salve.model.Bundle;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Catalogue the SAE's features: dominant feature per class, cross-class features, firing rates, "
                + "top-activating test images (catalog.json, catalog-heatmap.png).")
final class FeaturesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOptions target = new BundleOptions();

    @Option(names = "--top", defaultValue = "16", description = "Top-activating test images kept per feature.")
    int top;

    @Override
    public Integer call() {
        Bundle b = target.open();
        try (ConsoleProgress progress = new ConsoleProgress()) {
            FeatureCatalog catalog = target.engine.discovery(progress).catalogFeatures(b, target.data(b), top);
            spec.commandLine().getOut().printf("wrote %s: %d distinct dominant features for %d classes, %d cross-class features%n",
                    b.file("catalog.json"), catalog.distinctDominantFeatures(), catalog.classes().size(),
                    catalog.crossClassFeatures().size());
            catalog.classes().forEach(c -> spec.commandLine().getOut().printf("  %-12s dominant feature %3d (mean %.3f)%n",
                    c.name(), c.dominantFeature(), c.dominantMean()));
        }
        return 0;
    }
}
