package io.salve.cli;

import io.salve.core.FeatureCatalog;
import io.salve.core.FeatureSelection;
import io.salve.model.Bundle;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Catalogue the SAE's features: dominant and selective feature per class, cross-class features, firing rates, "
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
            spec.commandLine().getOut().printf("wrote %s: %d distinct dominant and %d distinct selective features for %d "
                    + "classes, %d cross-class features; control uses the %s one%n", b.file("catalog.json"),
                    catalog.distinctDominantFeatures(), catalog.distinctFeatures(FeatureSelection.SELECTIVE),
                    catalog.classes().size(), catalog.crossClassFeatures().size(), FeatureCatalog.SELECTION.id());
            catalog.classes().forEach(c -> spec.commandLine().getOut().printf("  %-12s dominant feature %3d (mean %.3f), "
                    + "selective feature %3d (selectivity %.2f)%n", c.name(), c.dominantFeature(), c.dominantMean(),
                    c.selectiveFeature(), c.selectivity()));
        }
        return 0;
    }
}
