package io.salve.serve;

import io.salve.core.Head;
import io.salve.core.Maths;
import io.salve.core.diagnose.AlphaCrit;
import io.salve.core.diagnose.AlphaFlip;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.LogitPath;
import java.util.Arrays;

/**
 * One active suppression edit, prepared off the inference path so that a replica can diagnose each request in its
 * batch pass: the edit's alpha path from the head it was applied to, the head it produced, and the held-out
 * alpha_flip distribution per class (the drift reference). The reference traces every held-out sample (up to
 * hundreds of milliseconds), so a new edit is served first without it ({@link #of(int, Edit, EditPath)}) and gets it
 * afterwards ({@link #withReference(float[][])}).
 *
 * @param index     the edit's position in the edit set
 * @param path      the edit's path from the head the edits before it left
 * @param after     that head with this edit applied ({@code path.at(alpha)}), as served when it is the last edit
 * @param reference {@code reference[k]}: ascending alpha_flip of the held-out samples predicted k before this edit
 *                  (+inf for those that never flip); empty arrays when there is no held-out set; null while it is
 *                  being built
 */
public record SuppressionProbe(int index, Edit edit, EditPath path, Head after, double[][] reference) {

    /** Numeric alpha_crit is searched up to here: in practice, anywhere. */
    private static final double ALPHA_MAX = Double.MAX_VALUE;

    /** The probe without its reference: cheap (the edited head only). */
    static SuppressionProbe of(int index, Edit edit, EditPath path) {
        return new SuppressionProbe(index, edit, path, path.at(edit.alpha()), null);
    }

    /** Whether the drift reference is built (diagnostics compare against it only then). */
    public boolean referenceReady() {
        return reference != null;
    }

    /** This probe with its reference from {@code heldOut} activations (may be empty). */
    SuppressionProbe withReference(float[][] heldOut) {
        int classes = path.base().numClasses();
        AlphaFlip[] flips = AlphaFlip.batch(path, heldOut);
        int[] counts = new int[classes];
        for (AlphaFlip f : flips) {
            counts[f.from()]++;
        }
        double[][] reference = new double[classes][];
        for (int k = 0; k < classes; k++) {
            reference[k] = new double[counts[k]];
        }
        int[] filled = new int[classes];
        for (AlphaFlip f : flips) {
            reference[f.from()][filled[f.from()]++] = f.alpha();
        }
        for (double[] r : reference) {
            Arrays.sort(r);
        }
        return new SuppressionProbe(index, edit, path, after, reference);
    }

    /** This edit's diagnosis of one activation. */
    public Observation.Diagnosis diagnose(float[] activation) {
        LogitPath trace = path.trace(activation);
        AlphaFlip flip = AlphaFlip.of(trace);
        int from = flip.from();
        AlphaCrit crit = AlphaCrit.of(trace, from, ALPHA_MAX);
        double runnerUp = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < trace.classes(); k++) {
            if (k != from) {
                runnerUp = Math.max(runnerUp, trace.initialLogit(k));
            }
        }
        // Decided on the edited head itself, not on the path, so that "flipped" agrees with what was served.
        boolean flipped = Maths.argmax(after.logits(activation)) != from;
        return new Observation.Diagnosis(this, from, trace.initialLogit(from) - runnerUp, crit.numeric(),
                crit.analytic(), flip.alpha(), flip.to(), flipped);
    }
}
