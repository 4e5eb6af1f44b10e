package io.salve.core.diagnose;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditTemplate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The weakest edit that takes one class's accuracy down to a target on held-out activations.
 *
 * <p>Found exactly rather than by bisection: along the edit's alpha path each sample of the class is predicted
 * correctly on a union of alpha intervals ({@link io.salve.core.edit.LogitPath#topIntervals}), so the class's
 * accuracy is a step function whose steps are known; the answer is the first step at or below the target, which need
 * not be reached monotonically. The crossing itself is a tie in exact arithmetic, so the alpha reported is moved
 * just inside the step if the float head the service will build still sees the tie the other way, and the
 * accuracies reported are measured on that head.
 *
 * @param alpha           the smallest strength meeting the target; when unreachable within {@code alphaMax}, the
 *                        smallest one giving the lowest accuracy
 * @param reached         whether the target was met within {@code alphaMax}
 * @param accuracy        the class's accuracy at {@code alpha}
 * @param baseline        the class's accuracy unedited
 * @param offTargetChange the mean accuracy change of the other classes, in percentage points (negative: they lost)
 */
public record TargetAlpha(double alpha, boolean reached, double accuracy, double baseline, double offTargetChange) {

    /**
     * @param cls            the class to take down
     * @param targetAccuracy the accuracy to reach, in [0, 1]
     */
    public static TargetAlpha find(Head head, Sae sae, EditTemplate edit, int cls, double targetAccuracy,
                                   double alphaMax, float[][] acts, int[] labels) {
        return Profile.of(head, sae, edit, cls, alphaMax, acts, labels).reach(targetAccuracy);
    }

    /**
     * What does not depend on the target: the class's accuracy steps along the edit's alpha path and the unedited
     * head's accuracies. Built once, it answers {@link #reach} for any number of targets (a search over targets
     * traces every sample once, not once per target).
     */
    public static final class Profile {

        private final Head head;
        private final Sae sae;
        private final EditTemplate edit;
        private final int cls;
        private final double alphaMax;
        private final float[][] acts;
        private final int[] labels;
        private final List<Step> events;
        private final int samples;
        private final Sweep unedited;

        private Profile(Head head, Sae sae, EditTemplate edit, int cls, double alphaMax, float[][] acts, int[] labels,
                        List<Step> events, int samples) {
            this.head = head;
            this.sae = sae;
            this.edit = edit;
            this.cls = cls;
            this.alphaMax = alphaMax;
            this.acts = acts;
            this.labels = labels;
            this.events = events;
            this.samples = samples;
            this.unedited = Sweep.run(head, sae, edit, new double[] {0}, acts, labels);
        }

        /** @param cls the class to take down */
        public static Profile of(Head head, Sae sae, EditTemplate edit, int cls, double alphaMax, float[][] acts,
                                 int[] labels) {
            Checks.labels(head, acts, labels);
            Checks.classIndex(head, cls);
            Checks.alphaMax(alphaMax);
            EditPath path = EditPath.of(head, sae, edit);
            List<Step> events = new ArrayList<>();
            int samples = 0;
            for (int n = 0; n < acts.length; n++) {
                if (labels[n] == cls) {
                    samples++;
                    for (double[] run : path.trace(acts[n]).topIntervals(cls)) {
                        events.add(new Step(run[0], 1));
                        events.add(new Step(run[1], -1));
                    }
                }
            }
            if (samples == 0) {
                throw new SalveException("NO_SAMPLES", "no held-out samples of class " + cls
                        + " to measure accuracy on");
            }
            events.sort(Comparator.comparingDouble(Step::alpha));
            return new Profile(head, sae, edit, cls, alphaMax, acts, labels, events, samples);
        }

        /** The weakest strength taking the class to {@code targetAccuracy} (in [0, 1]) or lowest. */
        public TargetAlpha reach(double targetAccuracy) {
            if (!(targetAccuracy >= 0 && targetAccuracy <= 1)) {
                throw new SalveException("BAD_TARGET", "target accuracy must be in [0, 1], was " + targetAccuracy);
            }
            // Walk the step function: count = correct samples on [alpha, next event).
            double goal = targetAccuracy * samples + 1e-9;
            int count = 0;
            int next = 0;
            double alpha = 0;
            int bestCount = Integer.MAX_VALUE;
            double bestAlpha = 0;
            double bestEnd = 0;
            while (true) {
                while (next < events.size() && events.get(next).alpha() <= alpha) {
                    count += events.get(next++).change();
                }
                if (count < bestCount) {
                    bestCount = count;
                    bestAlpha = alpha;
                    double nextChange = next < events.size() ? events.get(next).alpha() : Double.POSITIVE_INFINITY;
                    bestEnd = Math.min(nextChange, alphaMax);
                }
                if (count <= goal || next == events.size() || events.get(next).alpha() > alphaMax) {
                    break;
                }
                alpha = events.get(next).alpha();
            }

            // The step starts with a tie that float weights may still resolve the old way: move into the step, where
            // the exact accuracy holds, only as far as the edited head needs (at most a tenth of the way, or of
            // alpha).
            double expected = (double) bestCount / samples;
            double room = Math.min(bestEnd - bestAlpha, bestAlpha > 0 ? bestAlpha : bestEnd);
            double reported = bestAlpha;
            Sweep measured = Sweep.run(head, sae, edit, new double[] {reported}, acts, labels);
            for (int digits = 8; digits >= 1 && room > 0 && measured.accuracy()[0][cls] > expected; digits--) {
                reported = bestAlpha + room * Math.pow(10, -digits);
                measured = Sweep.run(head, sae, edit, new double[] {reported}, acts, labels);
            }
            double offBefore = unedited.meanOffTarget(cls)[0];
            double offAfter = measured.meanOffTarget(cls)[0];
            return new TargetAlpha(reported, bestCount <= goal, measured.accuracy()[0][cls],
                    unedited.accuracy()[0][cls], 100 * (offAfter - offBefore));
        }
    }

    /** A sample of the class starts (+1) or stops (-1) being predicted correctly at {@code alpha}. */
    private record Step(double alpha, int change) {
    }
}
