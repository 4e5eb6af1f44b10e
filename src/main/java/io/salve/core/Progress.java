package io.salve.core;

/**
 * Receives progress of long work (training, extraction, sweeps). The CLI draws a progress bar from it; tests and the
 * service pass {@link #NONE} or log.
 */
@FunctionalInterface
public interface Progress {

    Progress NONE = (phase, done, total, detail) -> { };

    /**
     * @param phase  what is running, e.g. "epoch 2/3"
     * @param done   units finished in this phase
     * @param total  units in this phase
     * @param detail short live figures, e.g. "loss 0.412, 1830 img/s"
     */
    void update(String phase, long done, long total, String detail);
}
