package io.salve.serve;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.salve.core.LatentSummary;
import io.salve.core.Maths;
import io.salve.core.Sae;
import io.salve.core.SaeMetrics;
import io.salve.model.Bundle;
import io.salve.model.BundleMetadata;
import io.salve.model.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A bundle's backbone on one device, plus its SAE. The head is applied in plain Java from the {@link ServingHead} of
 * each batch (K x M is tiny next to the backbone), which is what lets edits swap without touching the network.
 */
public final class BundleBatchModel implements BatchModel {

    /** Latents per request reported to telemetry. */
    static final int TOP_LATENTS = 8;

    private final Network network;
    private final Sae sae;
    private final BundleMetadata metadata;
    private final Shape imageShape;

    public BundleBatchModel(Bundle bundle, Device device) {
        this.metadata = bundle.metadata();
        this.imageShape = bundle.imageShape();
        this.sae = bundle.hasSae() ? bundle.sae() : null;
        this.network = bundle.loadNetwork(device);
    }

    @Override
    public List<Output> run(List<float[]> pixels, ServingHead head) {
        int size = (int) imageShape.size();
        float[] batch = new float[pixels.size() * size];
        float mean = metadata.mean();
        float std = metadata.std();
        for (int n = 0; n < pixels.size(); n++) {
            float[] p = pixels.get(n);
            for (int i = 0; i < size; i++) {
                batch[n * size + i] = (p[i] - mean) / std;
            }
        }
        float[] flat;
        int m;
        try (NDManager scope = network.manager().newSubManager()) {
            NDArray x = scope.create(batch, new Shape(pixels.size()).addAll(imageShape));
            NDArray a = network.activations(x);
            m = (int) a.getShape().get(1);
            flat = a.toFloatArray();
        }
        List<Output> outputs = new ArrayList<>(pixels.size());
        for (int n = 0; n < pixels.size(); n++) {
            float[] activation = Arrays.copyOfRange(flat, n * m, (n + 1) * m);
            double[] logits = head.head().logits(activation);
            float[] probabilities = softmax(logits);
            LatentSummary latents = sae == null ? null
                    : LatentSummary.of(sae.encode(activation), TOP_LATENTS, SaeMetrics.firingThreshold(sae));
            outputs.add(new Output(Maths.argmax(logits), probabilities, activation, latents));
        }
        return outputs;
    }

    static float[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double z : logits) {
            max = Math.max(max, z);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[e.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    @Override
    public void close() {
        network.close();
    }
}
