package io.salve.cli;

import io.salve.core.SaeConfig;
import io.salve.core.SaeKind;
import io.salve.model.Bundle;
import io.salve.pipeline.Discovery;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sae", mixinStandardHelpOptions = true,
        description = "Train a sparse autoencoder on a bundle's target-layer activations (writes sae.npz, sae.json).")
final class SaeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOptions target = new BundleOptions();

    @Option(names = "--kind", defaultValue = "linear", description = "linear (the paper's), relu or topk. Default: ${DEFAULT-VALUE}.")
    String kind;

    @Option(names = "--latents", defaultValue = "64")
    int latents;

    @Option(names = "--l1", defaultValue = "0.1", description = "L1 weight lambda on the latents. Default: ${DEFAULT-VALUE}.")
    double l1;

    @Option(names = "--k", defaultValue = "0", description = "Latents kept per input (topk only).")
    int k;

    @Option(names = "--epochs", defaultValue = "20")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "256")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.001")
    double learningRate;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--data", description = "Extract activations afresh from this data set (fashion-mnist or folder, "
            + "with --data-dir), converted to the bundle's input shape, resize policy and normalisation; needed the "
            + "first time for an imported bundle. Default: the bundle's own data and cached activations.")
    String data;

    @Option(names = "--limit", defaultValue = "0", description = "With --data: use the first N training images only (0 = all).")
    int limit;

    @Override
    public Integer call() {
        Bundle b = target.open();
        SaeConfig config = new SaeConfig(SaeKind.parse(kind), latents, l1, k, epochs, batchSize, learningRate, seed);
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Discovery.DataRef ref = data == null ? target.data(b) : new Discovery.DataRef(data, target.dataDir, limit);
            if (data != null) {
                b.dropCachedActivations();
            }
            Discovery.SaeReport r = target.engine.discovery(progress).trainSae(b, ref, config);
            spec.commandLine().getOut().printf("wrote %s: fvu %.4f, mean L0 %.2f, dead latents %d, spliced accuracy %.4f, %.2f s/epoch%n",
                    b.file("sae.npz"), r.fvu(), r.meanL0(), r.deadLatents(), r.splicedAccuracy(), r.secondsPerEpoch());
        }
        return 0;
    }
}
