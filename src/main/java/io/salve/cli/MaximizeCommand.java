package io.salve.cli;

import io.salve.core.validate.ActivationMaximizer;
import io.salve.model.Bundle;
import io.salve.pipeline.Validation;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "maximize", mixinStandardHelpOptions = true,
        description = "Activation maximisation: the image that drives an SAE feature highest, "
                + "max z_l(x) - l2*|x|^2 - tv*TV(x) (maximize/feature-<l>.png, maximize/feature-<l>.json).")
final class MaximizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--bundle", required = true)
    Path bundle;

    @Option(names = "--feature", required = true, description = "SAE feature (latent) index.")
    int feature;

    @Option(names = "--steps", defaultValue = "200", description = "Gradient steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--lr", defaultValue = "0.05", description = "Step size: root-mean-square pixel change per step. Default: ${DEFAULT-VALUE}.")
    float learningRate;

    @Option(names = "--l2", defaultValue = "0.01", description = "Weight of |x|^2. Default: ${DEFAULT-VALUE}.")
    float l2;

    @Option(names = "--tv", defaultValue = "0.001", description = "Weight of the total variation. Default: ${DEFAULT-VALUE}.")
    float tv;

    @Option(names = "--seed", defaultValue = "1", description = "Seeds the starting noise. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() {
        Bundle b = Bundle.open(bundle);
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Validation.MaximizeReport r = engine.validation(progress).maximize(b, feature,
                    new ActivationMaximizer.Settings(steps, learningRate, l2, tv, seed));
            spec.commandLine().getOut().printf("wrote %s and .json: feature %d, z %.3f -> %.3f in %d steps (%.1f s)%n",
                    b.file("maximize/feature-" + feature + ".png"), feature, r.startLatent(), r.latent(), steps, r.seconds());
        }
        return 0;
    }
}
