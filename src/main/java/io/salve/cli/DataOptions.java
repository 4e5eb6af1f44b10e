package io.salve.cli;

import io.salve.pipeline.Discovery;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where images come from: {@code --data fashion-mnist|folder} and {@code --data-dir}. */
final class DataOptions {

    @Option(names = "--data", defaultValue = "fashion-mnist",
            description = "Data set: fashion-mnist (IDX files) or folder (one sub-folder per class). Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--data-dir", description = "Directory of the data set. Fashion-MNIST default: "
            + "$SALVE_FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist.")
    Path dir;

    @Option(names = "--limit", defaultValue = "0", description = "Use the first N training images only (0 = all).")
    int limit;

    Discovery.DataRef ref() {
        return new Discovery.DataRef(name, dir, limit);
    }
}
