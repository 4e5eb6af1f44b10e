package io.salve.core.diagnose;

import io.salve.core.edit.EditPath;
import io.salve.core.edit.LogitPath;

/**
 * The smallest strength at which a sample's prediction leaves the class it had unedited: for a softmax classifier a
 * more telling threshold than the logit reaching zero. Low values mean the class leans on the feature (fragile),
 * high values mean redundancy.
 *
 * <p>For RANK1 and PROJECTION every logit is a line, so this is the closed form
 * {@code min over k != i with R_i > R_k of (z_i - z_k) / (R_i - R_k)}; for SALVE the same is solved on each segment
 * between the alphas where gates close, which makes it exact with the clipping.
 *
 * @param from  the predicted class at alpha = 0
 * @param to    the class that overtakes it, -1 when none ever does
 * @param alpha the flip strength, +inf when the prediction never changes
 */
public record AlphaFlip(int from, int to, double alpha) {

    public static AlphaFlip of(LogitPath path) {
        int from = path.initialClass();
        LogitPath.Crossing first = path.overtaken(from);
        return new AlphaFlip(from, first.which(), first.alpha());
    }

    public static AlphaFlip[] batch(EditPath edit, float[][] acts) {
        AlphaFlip[] out = new AlphaFlip[acts.length];
        for (int n = 0; n < acts.length; n++) {
            out[n] = of(edit.trace(acts[n]));
        }
        return out;
    }

    public boolean flips() {
        return to >= 0;
    }
}
