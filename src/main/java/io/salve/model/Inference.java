package io.salve.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.salve.core.Progress;
import io.salve.data.Batches;
import io.salve.data.ImageSet;
import java.util.Arrays;

/** Batched inference of a whole {@link ImageSet}: predictions, or target-layer activations. */
public final class Inference {

    private final Network network;
    private final float mean;
    private final float std;
    private final int batchSize;

    public Inference(Network network, float mean, float std, int batchSize) {
        this.network = network;
        this.mean = mean;
        this.std = std;
        this.batchSize = batchSize;
    }

    /** For a bundle's network: the bundle's normalisation. */
    public static Inference of(Network network, BundleMetadata metadata, int batchSize) {
        return new Inference(network, metadata.mean(), metadata.std(), batchSize);
    }

    /** Predicted class of every image (backbone + head). */
    public int[] predict(ImageSet data, Progress progress) {
        int[] predictions = new int[data.count()];
        run(data, progress, "predict", (from, x) -> {
            long[] argmax = network.logits(x).argMax(1).toLongArray();
            for (int i = 0; i < argmax.length; i++) {
                predictions[from + i] = (int) argmax[i];
            }
        });
        return predictions;
    }

    /** Penultimate activations of every image, with the labels. */
    public Activations activations(ImageSet data, Progress progress) {
        float[][] rows = new float[data.count()][];
        run(data, progress, "activations", (from, x) -> {
            NDArray a = network.activations(x);
            int m = (int) a.getShape().get(1);
            float[] flat = a.toFloatArray();
            for (int i = 0; i < flat.length / m; i++) {
                rows[from + i] = Arrays.copyOfRange(flat, i * m, (i + 1) * m);
            }
        });
        return new Activations(rows, data.labels().clone());
    }

    private interface BatchStep {
        void accept(int from, NDArray images);
    }

    private void run(ImageSet data, Progress progress, String phase, BatchStep step) {
        Shape imageShape = new Shape(data.channels(), data.height(), data.width());
        for (int from = 0; from < data.count(); from += batchSize) {
            int to = Math.min(data.count(), from + batchSize);
            try (NDManager scope = network.manager().newSubManager()) {
                NDArray x = scope.create(Batches.normalised(data, from, to, mean, std),
                        new Shape(to - from).addAll(imageShape));
                step.accept(from, x);
            }
            progress.update(phase, to, data.count(), "");
        }
    }
}
