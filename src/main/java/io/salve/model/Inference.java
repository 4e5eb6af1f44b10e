package io.salve.model;

import io.salve.core.Head;
import io.salve.core.Progress;
import io.salve.data.ImageSet;

/** Batched inference of a whole {@link ImageSet}: predictions, or target-layer activations. */
public final class Inference {

    private final Backbone backbone;
    private final Head head;
    private final InputSpec spec;
    private final int batchSize;

    /** {@code head} gives the predictions; {@code spec} normalises the images (which must have its shape). */
    public Inference(Backbone backbone, Head head, InputSpec spec, int batchSize) {
        this.backbone = backbone;
        this.head = head;
        this.spec = spec;
        this.batchSize = batchSize;
    }

    /** For a bundle's network: its own head and the bundle's normalisation. */
    public static Inference of(Network network, BundleMetadata metadata, int batchSize) {
        return new Inference(network, network.head(), InputSpec.of(metadata), batchSize);
    }

    /** Predicted class of every image (backbone + head). */
    public int[] predict(ImageSet data, Progress progress) {
        int[] predictions = new int[data.count()];
        run(data, progress, "predict", (from, rows) -> {
            for (int i = 0; i < rows.length; i++) {
                predictions[from + i] = head.predict(rows[i]);
            }
        });
        return predictions;
    }

    /** Penultimate activations of every image, with the labels. */
    public Activations activations(ImageSet data, Progress progress) {
        float[][] rows = new float[data.count()][];
        run(data, progress, "activations", (from, batch) -> System.arraycopy(batch, 0, rows, from, batch.length));
        return new Activations(rows, data.labels().clone());
    }

    private interface BatchStep {
        void accept(int from, float[][] activations);
    }

    private void run(ImageSet data, Progress progress, String phase, BatchStep step) {
        for (int from = 0; from < data.count(); from += batchSize) {
            int to = Math.min(data.count(), from + batchSize);
            step.accept(from, backbone.activations(spec.normalise(data, from, to), to - from));
            progress.update(phase, to, data.count(), "");
        }
    }
}
