package io.salve.cli;

import com.typesafe.config.ConfigFactory;
import io.salve.core.Progress;
import io.salve.model.Bundle;
import io.salve.pipeline.Control;
import io.salve.pipeline.Discovery;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The bundle a command works on: {@code --bundle}, {@code --data-dir}, {@code --device}, {@code --config}. */
final class BundleOptions {

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--bundle", required = true, description = "The model bundle directory.")
    Path bundle;

    @Option(names = "--data-dir", description = "Where the bundle's data set lives, if not where it was trained "
            + "(only read when its activations are not cached yet).")
    Path dataDir;

    Bundle open() {
        return Bundle.open(bundle);
    }

    /** The bundle's own data set, or the same data set under {@code --data-dir}. */
    Discovery.DataRef data(Bundle b) {
        return Discovery.dataOf(b, dataDir);
    }

    /** Control under the configuration's edit limit, the one the service applies. */
    Control control(Progress progress) {
        return Control.open(open(), engine.discovery(progress), dataDir,
                config.unresolved(ConfigFactory.empty()).resolve().getDouble("salve.edits.max-alpha"));
    }
}
