package io.salve.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.salve.core.Head;
import io.salve.core.SalveException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A classifier split the SALVE way: {@code featureMaps} (the backbone up to the maps Grad-FAM reads), a pool (a
 * global average pool, or the ViT's last block and CLS token) whose output {@code a} (N x M) is the SAE's target
 * layer, and a linear head {@code logits = W a + b}. The head is a separate block so that it can be read out, edited
 * and written back as plain data.
 */
public final class Network implements Backbone {

    private final Architecture architecture;
    private final Model model;
    private final Block featureMaps;
    private final Block pool;
    private final Linear head;
    private final SequentialBlock backbone;
    private final ParameterStore inference;
    private final Shape imageShape;

    private Network(Architecture architecture, VitConfig vit, int numClasses, Shape imageShape, Device device) {
        if (architecture == Architecture.VIT) {
            vit.checkFits(imageShape.get(1), imageShape.get(2));
        }
        this.architecture = architecture;
        this.featureMaps = architecture.featureMaps(vit);
        this.pool = architecture.pool(vit);
        this.backbone = new SequentialBlock().add(featureMaps).add(pool);
        this.head = Linear.builder().setUnits(numClasses).build();
        this.model = Model.newInstance("salve-" + architecture.id(), device, "PyTorch");
        model.setBlock(new SequentialBlock().add(backbone).add(head));
        model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1).addAll(imageShape));
        this.inference = new ParameterStore(model.getNDManager(), false);
        this.imageShape = imageShape;
    }

    /** A freshly initialised network for images of {@code imageShape} = (C, H, W); a ViT of the default shape. */
    public static Network create(Architecture architecture, int numClasses, Shape imageShape, Device device) {
        return create(architecture, VitConfig.DEFAULT, numClasses, imageShape, device);
    }

    /** As {@link #create(Architecture, int, Shape, Device)}, a ViT shaped by {@code vit} (the CNNs ignore it). */
    public static Network create(Architecture architecture, VitConfig vit, int numClasses, Shape imageShape,
                                 Device device) {
        return new Network(architecture, vit, numClasses, imageShape, device);
    }

    public Architecture architecture() {
        return architecture;
    }

    public Model model() {
        return model;
    }

    @Override
    public NDManager manager() {
        return model.getNDManager();
    }

    /** Penultimate activations (N x M) of a normalised image batch, inference mode. */
    @Override
    public NDArray activations(NDArray images) {
        return backbone.forward(inference, new NDList(images), false).singletonOrThrow();
    }

    @Override
    public float[][] activations(float[] images, int count) {
        try (NDManager scope = manager().newSubManager()) {
            return Backbone.rows(activations(scope.create(images, new Shape(count).addAll(imageShape))).toFloatArray(),
                    count);
        }
    }

    @Override
    public FeatureMaps featureMaps(NDManager manager, float[] images, int count) {
        return featureMaps(manager.create(images, new Shape(count).addAll(imageShape)));
    }

    /**
     * The feature maps Grad-FAM reads, inference mode: the last convolutional block's output (their spatial mean is
     * {@link #activations}), or the patch tokens at the ViT's last block's input, as a grid.
     */
    public FeatureMaps featureMaps(NDArray images) {
        NDList out = featureMaps.forward(inference, new NDList(images), false);
        NDList context = out.subNDList(1);
        return new FeatureMaps(out.get(0), maps -> pool.forward(inference, new NDList(maps).addAll(context), false)
                .singletonOrThrow());
    }

    public Head head() {
        float[] w = head.getParameters().get("weight").getArray().toFloatArray();
        float[] b = head.getParameters().get("bias").getArray().toFloatArray();
        int m = w.length / b.length;
        float[][] rows = new float[b.length][];
        for (int i = 0; i < b.length; i++) {
            rows[i] = Arrays.copyOfRange(w, i * m, (i + 1) * m);
        }
        return new Head(rows, b);
    }

    /** Replaces the head's parameters in place, so the plain forward pass uses {@code h}. */
    public void setHead(Head h) {
        int k = h.numClasses();
        int m = h.dim();
        float[] flat = new float[k * m];
        for (int i = 0; i < k; i++) {
            System.arraycopy(h.weight()[i], 0, flat, i * m, m);
        }
        NDArray weight = head.getParameters().get("weight").getArray();
        if (!weight.getShape().equals(new Shape(k, m))) {
            throw new SalveException("BUNDLE_CORRUPT", "head is " + k + "x" + m + " but the backbone expects " + weight.getShape());
        }
        weight.set(flat);
        head.getParameters().get("bias").getArray().set(h.bias());
    }

    /** Full forward pass (backbone + head) in inference mode: logits N x K. */
    public NDArray logits(NDArray images) {
        return model.getBlock().forward(inference, new NDList(images), false).singletonOrThrow();
    }

    public void saveBackbone(Path file) {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            backbone.saveParameters(out);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public void loadBackbone(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            backbone.loadParameters(model.getNDManager(), in);
        } catch (IOException | MalformedModelException e) {
            throw new SalveException("BUNDLE_CORRUPT", "cannot load backbone parameters " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
