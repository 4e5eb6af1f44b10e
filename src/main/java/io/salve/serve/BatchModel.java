package io.salve.serve;

import io.salve.core.LatentSummary;
import java.util.List;

/**
 * What a replica runs for one micro-batch: backbone forward, SAE latents, the serving head, prediction and
 * probabilities. One instance per replica, used from the replica's own thread only.
 */
public interface BatchModel extends AutoCloseable {

    /**
     * Per-request output of one batch, in request order.
     *
     * @param latents the SAE's strongest latents and L0 (null when the bundle has no SAE)
     */
    record Output(int prediction, float[] probabilities, float[] activation, LatentSummary latents) {
    }

    List<Output> run(List<float[]> pixels, ServingHead head);

    @Override
    void close();
}
