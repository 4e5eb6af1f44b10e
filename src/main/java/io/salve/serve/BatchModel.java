package io.salve.serve;

import java.util.List;

/**
 * What a replica runs for one micro-batch: backbone forward, SAE latents, the serving head, prediction and
 * probabilities. One instance per replica, used from the replica's own thread only.
 */
public interface BatchModel extends AutoCloseable {

    /**
     * Per-request output of one batch, in request order.
     *
     * @param observed latents and diagnostics for telemetry (null when neither is computed)
     */
    record Output(int prediction, float[] probabilities, float[] activation, Observation observed) {
    }

    List<Output> run(List<float[]> pixels, ServingHead head);

    @Override
    void close();
}
