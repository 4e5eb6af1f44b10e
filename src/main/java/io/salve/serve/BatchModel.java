package io.salve.serve;

import java.util.List;

/**
 * What a replica runs for one micro-batch: backbone forward, SAE latents, the serving head, prediction and
 * probabilities. One instance per replica, used from the replica's own thread only.
 */
public interface BatchModel extends AutoCloseable {

    /** Per-request output of one batch, in request order. */
    record Output(int prediction, float[] probabilities, float[] activation, float[] latents) {
    }

    List<Output> run(List<float[]> pixels, ServingHead head);

    @Override
    void close();
}
