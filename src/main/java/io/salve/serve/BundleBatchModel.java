package io.salve.serve;

import ai.djl.Device;
import io.salve.core.LatentSummary;
import io.salve.core.Maths;
import io.salve.core.Sae;
import io.salve.core.SaeMetrics;
import io.salve.model.Backbone;
import io.salve.model.Bundle;
import io.salve.model.InputSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A bundle's backbone (built in or imported, see {@link Backbone}) on one device, plus its SAE. The head is applied in plain Java from the {@link ServingHead} of
 * each batch (K x M is tiny next to the backbone), which is what lets edits swap without touching the network.
 * In the same pass, per request and only when asked for: the SAE latents (telemetry), the unedited head's prediction
 * and each active suppression's diagnosis (diagnostics) — all K x M or d x M work on the activation already at hand.
 */
public final class BundleBatchModel implements BatchModel {

    /** Latents per request reported to telemetry. */
    static final int TOP_LATENTS = 8;

    private final Backbone backbone;
    private final Sae sae;
    private final InputSpec spec;
    private final boolean diagnostics;
    private final double firingThreshold;

    /** With telemetry latents and diagnostics. */
    public BundleBatchModel(Bundle bundle, Device device) {
        this(bundle, device, true, true);
    }

    /**
     * @param latents     compute SAE latents per request (telemetry)
     * @param diagnostics compute the unedited prediction and suppression diagnoses per request
     */
    public BundleBatchModel(Bundle bundle, Device device, boolean latents, boolean diagnostics) {
        this.spec = bundle.inputSpec();
        this.sae = latents && bundle.hasSae() ? bundle.sae() : null;
        this.firingThreshold = sae == null ? 0 : SaeMetrics.firingThreshold(sae);
        this.diagnostics = diagnostics;
        this.backbone = bundle.openBackbone(device);
    }

    @Override
    public List<Output> run(List<float[]> pixels, ServingHead head) {
        int size = spec.imageSize();
        float[] batch = new float[pixels.size() * size];
        for (int n = 0; n < pixels.size(); n++) {
            spec.normalise(pixels.get(n), batch, n * size);
        }
        float[][] activations = backbone.activations(batch, pixels.size());
        List<Output> outputs = new ArrayList<>(pixels.size());
        for (int n = 0; n < pixels.size(); n++) {
            float[] activation = activations[n];
            double[] logits = head.head().logits(activation);
            int prediction = Maths.argmax(logits);
            outputs.add(new Output(prediction, softmax(logits), activation, observe(activation, prediction, head)));
        }
        return outputs;
    }

    private Observation observe(float[] activation, int prediction, ServingHead head) {
        if (sae == null && !diagnostics) {
            return null;
        }
        float[] z = sae == null ? null : sae.encode(activation);
        LatentSummary summary = z == null ? null : LatentSummary.of(z, TOP_LATENTS, firingThreshold);
        if (!diagnostics) {
            return new Observation(z, summary, prediction, List.of());
        }
        List<Observation.Diagnosis> diagnoses = new ArrayList<>(head.suppressions().size());
        for (SuppressionProbe probe : head.suppressions()) {
            diagnoses.add(probe.diagnose(activation));
        }
        // A first edit's path starts at the unedited head, so its diagnosis already knows the unedited prediction.
        int unedited = head.base() == head.head() ? prediction
                : !diagnoses.isEmpty() && head.suppressions().get(0).path().base() == head.base()
                ? diagnoses.get(0).predicted() : head.base().predict(activation);
        return new Observation(z, summary, unedited, diagnoses);
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
        backbone.close();
    }
}
