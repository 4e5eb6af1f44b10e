package io.salve.cli;

import io.salve.core.Progress;
import io.salve.model.Bundle;
import io.salve.pipeline.Control;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The bundle a control command works on: {@code --bundle}, {@code --data-dir}, {@code --device}. */
final class ControlOptions {

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--bundle", required = true, description = "Bundle with an SAE (salve sae) and, to name features "
            + "by class, a catalog (salve features).")
    Path bundle;

    @Option(names = "--data-dir", description = "Where the bundle's data set lives, if not where it was trained "
            + "(only read when the test activations are not cached yet).")
    Path dataDir;

    Control open(Progress progress) {
        return Control.open(Bundle.open(bundle), engine.discovery(progress), dataDir);
    }
}
