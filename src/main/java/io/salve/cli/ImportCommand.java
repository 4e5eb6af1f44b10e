package io.salve.cli;

import ai.djl.Device;
import io.salve.data.Resize;
import io.salve.pipeline.ModelImport;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Make a bundle of your own classifier: a TorchScript or ONNX backbone plus its final linear layer.")
final class ImportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--backbone", required = true, description = "TorchScript (.pt) or ONNX (.onnx): normalised "
            + "N x C x H x W images to penultimate activations N x M, or to the last feature map N x M x h x w.")
    Path backbone;

    @ArgGroup(exclusive = true, multiplicity = "1")
    HeadSource head;

    static final class HeadSource {
        @Option(names = "--head", required = true, description = "The final linear layer as .npz with W (K x M) and b (K).")
        Path npz;

        @Option(names = "--head-from", required = true, description = "A full TorchScript classifier to read the head from.")
        Path full;
    }

    @Option(names = "--head-layer", defaultValue = "fc",
            description = "With --head-from: the linear layer's name (LAYER.weight, LAYER.bias). Default: ${DEFAULT-VALUE}.")
    String headLayer;

    @Option(names = "--input-shape", required = true, split = ",", description = "C,H,W of the backbone's input.")
    List<Integer> inputShape;

    @Option(names = "--mean", required = true, split = ",",
            description = "Pixel mean of [0, 1] images: one value, or one per channel.")
    float[] mean;

    @Option(names = "--std", required = true, split = ",",
            description = "Pixel standard deviation of [0, 1] images: one value, or one per channel.")
    float[] std;

    @Option(names = "--class-names", required = true, description = "Text file, one class name per line (row order of W).")
    Path classNames;

    @Option(names = "--resize", defaultValue = "squash", description = "How images of another size become H x W: "
            + "squash or shorter-side-crop (both bilinear). Default: ${DEFAULT-VALUE}.")
    String resize;

    @Option(names = "--check-full", description = "A full TorchScript classifier whose logits backbone + head must "
            + "reproduce (max |Δlogit| / max |logit| <= 1e-4) on random probe images.")
    Path checkFull;

    @Option(names = "--max-batch", defaultValue = "32", description = "Probe batch size: the largest batch the service "
            + "will send (salve.batching.max-batch). Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--out", required = true, description = "Bundle directory to write (must not exist).")
    Path out;

    @Override
    public Integer call() {
        ModelImport.Report r = new ModelImport(Device.fromName(engine.device)).run(new ModelImport.Request(backbone,
                head.npz, head.full, headLayer, inputShape, mean, std, classNames, Resize.parse(resize), checkFull,
                maxBatch, out));
        if (r.fullModelError() != null) {
            spec.commandLine().getOut().printf(Locale.ROOT, "full model check: max |Δlogit| / max |logit| = %.3g%n",
                    r.fullModelError());
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: %s %s backbone, M = %d, %d classes, in %.2f s%n",
                r.bundle().dir(), r.imported().format(), r.imported().output(), r.featureDim(),
                r.bundle().metadata().classNames().size(), r.seconds());
        return 0;
    }
}
