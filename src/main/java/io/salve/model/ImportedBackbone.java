package io.salve.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.salve.core.Head;
import io.salve.core.SalveException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A backbone the user brought: a TorchScript file (PyTorch engine) or an ONNX file (ONNX Runtime engine) mapping a
 * normalised {@code N x C x H x W} batch to the penultimate activations {@code N x M}, or to the last feature map
 * {@code N x M x h x w}, which is pooled here by global average (the SAE's target layer either way).
 */
public final class ImportedBackbone implements Backbone {

    /** The file formats, with the DJL engine that runs each. */
    public enum Format {
        TORCHSCRIPT("torchscript", "PyTorch", ".pt"),
        ONNX("onnx", "OnnxRuntime", ".onnx");

        private final String id;
        private final String engine;
        private final String extension;

        Format(String id, String engine, String extension) {
            this.id = id;
            this.engine = engine;
            this.extension = extension;
        }

        public String id() {
            return id;
        }

        public String engine() {
            return engine;
        }

        public String extension() {
            return extension;
        }

        public static Format parse(String id) {
            for (Format f : values()) {
                if (f.id.equals(id)) {
                    return f;
                }
            }
            throw new SalveException("BUNDLE_CORRUPT", "unknown backbone format '" + id + "' (expected torchscript or onnx)");
        }

        /** By file name: {@code .pt}/{@code .pth}/{@code .torchscript} or {@code .onnx}. */
        public static Format of(Path file) {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".onnx")) {
                return ONNX;
            }
            if (name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".torchscript")) {
                return TORCHSCRIPT;
            }
            throw new SalveException("BACKBONE_FORMAT", file + ": not a TorchScript (.pt) or ONNX (.onnx) file");
        }
    }

    /** What the backbone returns. */
    public enum Output {
        POOLED("pooled"), FEATUREMAP("featuremap");

        private final String id;

        Output(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    private final Format format;
    private final Model model;
    private final Shape imageShape;
    private final ParameterStore inference;
    private Output output;

    private ImportedBackbone(Format format, Model model, Shape imageShape) {
        this.format = format;
        this.model = model;
        this.imageShape = imageShape;
        this.inference = new ParameterStore(model.getNDManager(), false);
    }

    /** Loads {@code file} for images of {@code imageShape} = (C, H, W), for inference. */
    public static ImportedBackbone open(Path file, Format format, Shape imageShape, Device device) {
        return open(file, format, imageShape, device, false);
    }

    /**
     * As {@link #open(Path, Format, Shape, Device)}; with {@code gradients} a TorchScript module's parameters are
     * loaded as ordinary tensors, which {@link #activations(NDArray)} can differentiate through (DJL loads inference
     * tensors otherwise, which autograd refuses to save).
     */
    public static ImportedBackbone open(Path file, Format format, Shape imageShape, Device device, boolean gradients) {
        Model model = load(file, format, device, gradients ? Map.of("trainParam", "true") : Map.of());
        if (format == Format.TORCHSCRIPT) {
            // Batch-norm statistics and no dropout whatever mode the file was saved in: DJL leaves it as saved.
            JniUtils.enableInferenceMode((PtSymbolBlock) model.getBlock());
        }
        return new ImportedBackbone(format, model, imageShape);
    }

    /** The head as the named parameters {@code layer.weight} (K x M) and {@code layer.bias} (K) of a TorchScript model. */
    public static Head headOf(Path fullModel, String layer) {
        try (Model full = load(fullModel, Format.TORCHSCRIPT, Device.cpu())) {
            NDArray weight = parameter(full, fullModel, layer + ".weight");
            NDArray bias = parameter(full, fullModel, layer + ".bias");
            Shape w = weight.getShape();
            if (w.dimension() != 2 || bias.getShape().dimension() != 1 || bias.getShape().get(0) != w.get(0)) {
                throw new SalveException("HEAD_LAYER_MISSING", fullModel + ": " + layer + " is not a linear layer ("
                        + layer + ".weight " + w + ", " + layer + ".bias " + bias.getShape() + ")");
            }
            return new Head(Backbone.rows(weight.toFloatArray(), (int) w.get(0)), bias.toFloatArray());
        }
    }

    /**
     * Writes {@code fullModel} (TorchScript) to {@code out} with its {@code layer.weight} and {@code layer.bias}
     * replaced by {@code head}: the same program, another head.
     */
    public static void writeWithHead(Path fullModel, String layer, Head head, Path out) {
        // Loaded for training: parameters loaded for inference are inference tensors, which refuse in-place updates.
        try (Model full = load(fullModel, Format.TORCHSCRIPT, Device.cpu(), Map.of("trainParam", "true"))) {
            NDArray weight = parameter(full, fullModel, layer + ".weight");
            NDArray bias = parameter(full, fullModel, layer + ".bias");
            if (!weight.getShape().equals(new Shape(head.numClasses(), head.dim()))) {
                throw new SalveException("HEAD_MISMATCH", fullModel + ": " + layer + ".weight is " + weight.getShape()
                        + " but the bundle's head is " + head.numClasses() + " x " + head.dim());
            }
            float[] flat = new float[head.numClasses() * head.dim()];
            for (int k = 0; k < head.numClasses(); k++) {
                System.arraycopy(head.weight()[k], 0, flat, k * head.dim(), head.dim());
            }
            // In place: the module's parameters are these tensors.
            weight.set(flat);
            bias.set(head.bias());
            try (OutputStream os = Files.newOutputStream(out)) {
                JniUtils.writeModule((PtSymbolBlock) full.getBlock(), os, false);
            } catch (IOException e) {
                throw new SalveException("IO_ERROR", "cannot write " + out + ": " + e.getMessage(), e);
            }
        }
    }

    public Format format() {
        return format;
    }

    /** What the last forward pass returned (null before the first). */
    public Output output() {
        return output;
    }

    @Override
    public float[][] activations(float[] images, int count) {
        Forward y = forward(images, count);
        return output == Output.POOLED ? Backbone.rows(y.data(), count)
                : globalAveragePool(y.data(), count, (int) y.shape().get(1), (int) (y.shape().get(2) * y.shape().get(3)));
    }

    /** The map's numbers are copied into {@code manager}: whichever engine ran the backbone, Grad-FAM starts there. */
    @Override
    public FeatureMaps featureMaps(NDManager manager, float[] images, int count) {
        Forward y = forward(images, count);
        if (output != Output.FEATUREMAP) {
            throw new SalveException("NOT_DIFFERENTIABLE", "this imported backbone returns pooled activations "
                    + "(N x M), which hide the feature map Grad-FAM needs; import its feature-map form instead "
                    + "(everything before the global average pool, see README: Bring your own model)");
        }
        return FeatureMaps.pooled(manager.create(y.data(), y.shape()));
    }

    /**
     * TorchScript only: the module runs with autograd on but stays in inference mode (DJL's {@code training} flag
     * would switch it to training mode, i.e. batch statistics and dropout).
     */
    @Override
    public NDArray activations(NDArray images) {
        requireGradients();
        NDArray y = IValueUtils.forward((PtSymbolBlock) model.getBlock(), new NDList(images), true).get(0);
        return y.getShape().dimension() == 4 ? FeatureMaps.globalAveragePool(y) : y;
    }

    /** TorchScript only: an ONNX Runtime array has no gradients, nor most operators. */
    @Override
    public NDManager manager() {
        requireGradients();
        return model.getNDManager();
    }

    private void requireGradients() {
        if (format != Format.TORCHSCRIPT) {
            throw new SalveException("NOT_DIFFERENTIABLE", "ONNX Runtime gives no gradients through the backbone, "
                    + "which activation maximisation follows back to the image; import the TorchScript export of "
                    + "the same model (see README: Bring your own model)");
        }
    }

    private record Forward(float[] data, Shape shape) {
    }

    private Forward forward(float[] images, int count) {
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray x = scope.create(images, new Shape(count).addAll(imageShape));
            NDArray y = model.getBlock().forward(inference, new NDList(x), false).get(0);
            Shape shape = y.getShape();
            if (shape.dimension() == 2 && shape.get(0) == count) {
                output = Output.POOLED;
            } else if (shape.dimension() == 4 && shape.get(0) == count) {
                output = Output.FEATUREMAP;
            } else {
                throw new SalveException("BACKBONE_OUTPUT_SHAPE", "the backbone returned " + shape + " for " + count
                        + " images; expected N x M activations or an N x M x h x w feature map");
            }
            return new Forward(y.toFloatArray(), shape);
        }
    }

    private static float[][] globalAveragePool(float[] maps, int count, int m, int plane) {
        float[][] rows = new float[count][m];
        for (int n = 0; n < count; n++) {
            for (int j = 0; j < m; j++) {
                double sum = 0;
                int offset = (n * m + j) * plane;
                for (int i = 0; i < plane; i++) {
                    sum += maps[offset + i];
                }
                rows[n][j] = (float) (sum / plane);
            }
        }
        return rows;
    }

    private static Model load(Path file, Format format, Device device) {
        return load(file, format, device, Map.of());
    }

    private static Model load(Path file, Format format, Device device, Map<String, ?> options) {
        Model model = Model.newInstance("imported", device, format.engine());
        try {
            model.load(file, null, options);
            return model;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new SalveException("BACKBONE_UNREADABLE", "cannot load " + file + " as " + format.id() + ": "
                    + e.getMessage(), e);
        }
    }

    private static NDArray parameter(Model model, Path file, String name) {
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            if (p.getKey().equals(name)) {
                return p.getValue().getArray();
            }
        }
        throw new SalveException("HEAD_LAYER_MISSING", file + " has no parameter " + name + " (its parameters: "
                + model.getBlock().getParameters().keys() + ")");
    }

    @Override
    public void close() {
        model.close();
    }
}
