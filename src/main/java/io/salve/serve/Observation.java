package io.salve.serve;

import io.salve.core.LatentSummary;
import java.util.List;

/**
 * What the replica's batch pass saw of one request besides its prediction, for the telemetry and diagnostics topics
 * and their windows. Not part of the result record.
 *
 * @param latents            every SAE latent of the request (null when telemetry is off or the bundle has no SAE)
 * @param summary            the strongest latents and L0 (null with {@code latents})
 * @param uneditedPrediction what the bundle's own head predicts for the same activation
 * @param suppressions       one diagnosis per active suppression edit, in edit-set order (empty when diagnostics are
 *                           off or no suppression is active)
 */
public record Observation(float[] latents, LatentSummary summary, int uneditedPrediction,
                          List<Diagnosis> suppressions) {

    /** Alphas within this fraction of a sample's alpha_flip count as near-critical. */
    public static final double NEAR_CRITICAL = 0.1;

    /**
     * One suppression edit's view of one request, along that edit's own alpha path (from the head the edits before
     * it left).
     *
     * @param probe             the edit and its held-out reference
     * @param predicted         the class predicted before this edit
     * @param margin            predicted logit minus the runner-up's, before this edit
     * @param alphaCrit         strength at which the predicted logit reaches zero, exact with clipping; NaN if never
     * @param alphaCritAnalytic the linear estimate {@code z_i / R_i}; NaN when undefined
     * @param alphaFlip         strength at which the prediction leaves {@code predicted}; +inf if never
     * @param flipTo            the class that overtakes it, -1 if none
     * @param flipped           whether this edit, at its alpha, changed the prediction
     */
    public record Diagnosis(SuppressionProbe probe, int predicted, double margin, double alphaCrit,
                            double alphaCritAnalytic, double alphaFlip, int flipTo, boolean flipped) {

        /** The applied alpha is within {@link #NEAR_CRITICAL} of this sample's alpha_flip. */
        public boolean nearCritical() {
            return Double.isFinite(alphaFlip)
                    && Math.abs(probe.edit().alpha() - alphaFlip) <= NEAR_CRITICAL * alphaFlip;
        }
    }
}
