package io.salve.cli;

import io.salve.model.Architecture;
import io.salve.model.Bundle;
import io.salve.model.ClassifierMetrics;
import io.salve.model.TrainConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a backbone + linear head and write a model bundle (bundle.json, backbone.params, head.npz, metrics.json).")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--arch", defaultValue = "resnet18", description = "resnet18, cnn or vit. Default: ${DEFAULT-VALUE}.")
    String arch;

    @Mixin
    VitOptions vit = new VitOptions();

    @Option(names = "--epochs", defaultValue = "3")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64",
            description = "Training batch size; small batches (8-16) are reported to disentangle features. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam's peak learning rate (cosine-decayed). Default: ${DEFAULT-VALUE}.")
    float learningRate;

    @Option(names = "--warmup-epochs", defaultValue = "0",
            description = "Epochs (fractions allowed) of linear learning-rate warm-up from 0 before the cosine decay. Default: ${DEFAULT-VALUE}.")
    float warmupEpochs;

    @Option(names = "--weight-decay", defaultValue = "0",
            description = "Decoupled weight decay (AdamW) when above 0; 0 is plain Adam. Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--flip", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Random horizontal flips while training (default on).")
    boolean flip;

    @Option(names = "--out", required = true, description = "Bundle directory to write.")
    Path out;

    @Override
    public Integer call() {
        TrainConfig config = new TrainConfig(Architecture.parse(arch), epochs, batchSize, learningRate, seed, flip, vit.config(),
                warmupEpochs, weightDecay);
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Bundle bundle = engine.discovery(progress).trainBackbone(data.ref(), config, out);
            ClassifierMetrics m = bundle.readJson("metrics.json", ClassifierMetrics.class);
            spec.commandLine().getOut().printf("wrote %s: test accuracy %.4f on %d images%n", bundle.dir(), m.testAccuracy(), m.testCount());
        }
        return 0;
    }
}
