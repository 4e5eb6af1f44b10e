package io.salve.core.diagnose;

import io.salve.core.Head;
import io.salve.core.Maths;
import io.salve.core.Sae;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.LogitPath;

/**
 * What one more edit would do to held-out predictions, computed on the edit's logit paths without building the edited
 * head: per true class, accuracy before and after, how many predictions flip on the way to the edit's strength and how
 * many end up changed.
 *
 * <p>For each sample the edit's exact piecewise-affine {@link LogitPath} gives its {@link AlphaFlip} (the first strength
 * at which the prediction leaves its unedited class) and its logits at the edit's strength, whose argmax is the
 * prediction the edited head makes. For RANK1 and PROJECTION every logit gap is a line, so a flipped prediction never
 * comes back: {@code flipped == changed} per class (up to exact ties at {@code alpha}). A SALVE suppression closes gates
 * as alpha grows, after which a gap can reopen, so a prediction may flip and flip back: then {@code flipped >= changed}.
 * In every case the predictions after the edit are those of the head {@link io.salve.core.edit.EditSet} builds, up to
 * the float32 rounding of its weights (logits closer than about 1e-6 may rank differently).
 *
 * @param support        samples per true class
 * @param correctBefore  per class, samples the head gets right unedited
 * @param correctAfter   per class, samples it gets right with the edit
 * @param flipped        per class, samples whose prediction leaves its unedited class at some strength below alpha
 *                       (their alpha_flip {@code < alpha})
 * @param changed        per class, samples predicted differently at alpha than unedited
 */
public record EditPreview(Edit edit, int[] support, int[] correctBefore, int[] correctAfter, int[] flipped,
                          int[] changed) {

    /**
     * @param head   the head the edit would be applied to (the served head with its active edits)
     * @param labels true class of each activation
     */
    public static EditPreview of(Head head, Sae sae, Edit edit, double maxAlpha, float[][] acts, int[] labels) {
        edit.validate(head, sae, maxAlpha);
        Checks.labels(head, acts, labels);
        EditPath path = EditPath.of(head, sae, edit.template());
        int classes = head.numClasses();
        int[] support = new int[classes];
        int[] before = new int[classes];
        int[] after = new int[classes];
        int[] flipped = new int[classes];
        int[] changed = new int[classes];
        for (int n = 0; n < acts.length; n++) {
            int label = labels[n];
            LogitPath logits = path.trace(acts[n]);
            AlphaFlip flip = AlphaFlip.of(logits);
            int edited = Maths.argmax(logits.at(edit.alpha()));
            support[label]++;
            before[label] += flip.from() == label ? 1 : 0;
            after[label] += edited == label ? 1 : 0;
            flipped[label] += flip.alpha() < edit.alpha() ? 1 : 0;
            changed[label] += edited != flip.from() ? 1 : 0;
        }
        return new EditPreview(edit, support, before, after, flipped, changed);
    }

    /** Class k's accuracy before the edit, NaN for a class without samples. */
    public double accuracyBefore(int k) {
        return ratio(correctBefore[k], support[k]);
    }

    public double accuracyAfter(int k) {
        return ratio(correctAfter[k], support[k]);
    }

    public double overallBefore() {
        return ratio(sum(correctBefore), sum(support));
    }

    public double overallAfter() {
        return ratio(sum(correctAfter), sum(support));
    }

    private static double ratio(int count, int total) {
        return total == 0 ? Double.NaN : (double) count / total;
    }

    private static int sum(int[] v) {
        int s = 0;
        for (int x : v) {
            s += x;
        }
        return s;
    }
}
