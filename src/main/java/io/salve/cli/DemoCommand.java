package io.salve.cli;

import io.salve.model.Bundle;
import io.salve.model.ClassifierMetrics;
import io.salve.pipeline.DemoBundle;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Build the demo bundle end to end from Fashion-MNIST: train a small CNN, its SAE, the feature catalog.")
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--out", description = "Bundle directory. Default: data/bundles/demo.")
    Path out = DemoBundle.DEFAULT_DIR;

    @Override
    public Integer call() {
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Bundle bundle = DemoBundle.ensure(out, data.ref(), engine.discovery(progress));
            ClassifierMetrics m = bundle.readJson("metrics.json", ClassifierMetrics.class);
            spec.commandLine().getOut().printf("demo bundle %s: test accuracy %.4f; see %s and %s%n", bundle.dir(), m.testAccuracy(),
                    bundle.file("catalog.json"), bundle.file("catalog-heatmap.png"));
        }
        return 0;
    }
}
