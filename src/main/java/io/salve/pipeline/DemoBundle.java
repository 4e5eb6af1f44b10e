package io.salve.pipeline;

import io.salve.core.SaeConfig;
import io.salve.core.SaeKind;
import io.salve.model.Architecture;
import io.salve.model.Bundle;
import io.salve.model.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo model: a small CNN on Fashion-MNIST with an SAE and a feature catalog, built end to end on first use in a
 * few minutes on two cores (the ResNet-18 bundle is one {@code salve train --arch resnet18} away).
 */
public final class DemoBundle {

    private static final Logger LOG = LoggerFactory.getLogger(DemoBundle.class);

    public static final Path DEFAULT_DIR = Path.of("data", "bundles", "demo");
    public static final TrainConfig TRAIN = new TrainConfig(Architecture.CNN, 3, 64, 3e-3f, 1, true);
    public static final SaeConfig SAE = new SaeConfig(SaeKind.LINEAR, 64, 0.3, 0, 20, 256, 1e-3, 1);

    private DemoBundle() {
    }

    /** Whether a bundle at {@code dir} went through every stage (its catalog exists). */
    public static boolean isComplete(Path dir) {
        return Files.isRegularFile(dir.resolve("catalog.json"));
    }

    /** Builds the demo bundle at {@code dir} unless it is complete already; returns it. */
    public static Bundle ensure(Path dir, Discovery.DataRef data, Discovery discovery) {
        if (isComplete(dir)) {
            LOG.info("demo bundle ready at {}", dir);
            return Bundle.open(dir);
        }
        LOG.info("building the demo bundle at {} (small CNN, {} epochs; then SAE and feature catalog)", dir, TRAIN.epochs());
        Bundle bundle = discovery.trainBackbone(data, TRAIN, dir);
        discovery.trainSae(bundle, data, SAE);
        discovery.catalogFeatures(bundle, data, 16);
        return bundle;
    }
}
