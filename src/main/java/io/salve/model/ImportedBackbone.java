package io.salve.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.salve.core.Head;
import io.salve.core.SalveException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

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

    /** Loads {@code file} for images of {@code imageShape} = (C, H, W). */
    public static ImportedBackbone open(Path file, Format format, Shape imageShape, Device device) {
        return new ImportedBackbone(format, load(file, format, device), imageShape);
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

    public Format format() {
        return format;
    }

    /** What the last forward pass returned (null before the first). */
    public Output output() {
        return output;
    }

    @Override
    public float[][] activations(float[] images, int count) {
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray x = scope.create(images, new Shape(count).addAll(imageShape));
            NDArray y = model.getBlock().forward(inference, new NDList(x), false).get(0);
            Shape shape = y.getShape();
            float[] flat = y.toFloatArray();
            if (shape.dimension() == 2 && shape.get(0) == count) {
                output = Output.POOLED;
                return Backbone.rows(flat, count);
            }
            if (shape.dimension() == 4 && shape.get(0) == count) {
                output = Output.FEATUREMAP;
                return globalAveragePool(flat, count, (int) shape.get(1), (int) (shape.get(2) * shape.get(3)));
            }
            throw new SalveException("BACKBONE_OUTPUT_SHAPE", "the backbone returned " + shape + " for " + count
                    + " images; expected N x M activations or an N x M x h x w feature map");
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
        Model model = Model.newInstance("imported", device, format.engine());
        try {
            model.load(file);
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
