package io.salve.core.diagnose;

import io.salve.core.FeatureCatalog;
import io.salve.core.FeatureSelection;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditSet;
import io.salve.core.edit.EditTemplate;
import io.salve.core.edit.RowScope;
import java.util.ArrayList;
import java.util.List;

/**
 * Suppressing one class through up to {@code maxFeatures} of its features: the smallest set, found greedily, that
 * takes the class to a target accuracy within an off-target budget.
 *
 * <p>Step m tries every unused candidate on the head steps 1..m-1 left, each at its weakest strength reaching the
 * target ({@link TargetAlpha}). A candidate that reaches it within the budget ends the search (the cheapest such one);
 * otherwise the candidate getting the class lowest is kept at the strongest strength that stays within the budget
 * (the lowest accuracy a {@link TargetAlpha} within budget reaches, found by bisection on the accuracy), and step m+1
 * starts from there. Off-target changes add up over the steps: each is the change of the same mean over the other
 * classes. The result is an ordinary {@link EditSet}.
 *
 * @param edits           the edits, in order (empty when not even one step stays within budget)
 * @param reached         whether the class is at or below the target with the budget kept
 * @param accuracy        the class's accuracy after the edits
 * @param baseline        its accuracy unedited
 * @param offTargetChange the other classes' mean accuracy change after the edits, percentage points
 */
public record Suppression(List<Edit> edits, boolean reached, double accuracy, double baseline,
                          double offTargetChange) {

    public Suppression {
        edits = List.copyOf(edits);
    }

    /**
     * How to search.
     *
     * @param candidates the class's features to choose from, most characteristic first
     * @param rows       the head rows every edit targets (empty: all; see {@link RowScope})
     * @param goal       the accuracy to reach, in [0, 1]
     * @param tolerance  the largest mean off-target loss allowed, percentage points
     */
    public record Plan(int cls, List<Integer> candidates, EditMethod method, List<Integer> rows, double goal,
                       double tolerance, int maxFeatures) {

        public Plan {
            candidates = List.copyOf(candidates);
            rows = List.copyOf(rows);
            if (maxFeatures < 1) {
                throw new SalveException("BAD_MAX_FEATURES", "max features must be at least 1, was " + maxFeatures);
            }
            // Checked before the search, which would otherwise trace every candidate first.
            if (!(goal >= 0 && goal <= 1)) {
                throw new SalveException("BAD_TARGET", "target accuracy must be in [0, 1], was " + goal);
            }
            if (!(tolerance >= 0)) {
                throw new SalveException("BAD_TOLERANCE", "the off-target tolerance is percentage points >= 0, was "
                        + tolerance);
            }
        }

        /**
         * The plan for suppressing {@code cls} through up to {@code maxFeatures} of its features: its top
         * {@code 2 maxFeatures - 1} under {@code selection} are the candidates (one feature: exactly the selected one).
         */
        public static Plan of(FeatureCatalog catalog, int cls, FeatureSelection selection, EditMethod method,
                              List<Integer> rows, double goal, double tolerance, int maxFeatures) {
            if (cls < 0 || cls >= catalog.classes().size()) {
                throw new SalveException("UNKNOWN_CLASS", "unknown class " + cls + ": the catalog has classes 0.."
                        + (catalog.classes().size() - 1));
            }
            List<Integer> ranking = catalog.ranking(cls, selection);
            return new Plan(cls, ranking.subList(0, Math.min(ranking.size(), Math.max(1, 2 * maxFeatures - 1))),
                    method, rows, goal, tolerance, maxFeatures);
        }

        EditTemplate template(int feature) {
            return new EditTemplate(feature, method, Direction.SUPPRESS, rows);
        }
    }

    public EditSet editSet() {
        return new EditSet(edits);
    }

    public List<Integer> features() {
        return edits.stream().map(Edit::feature).toList();
    }

    /** Reached with the off-target loss within {@code tolerance} pp (the budget reached is measured against). */
    public boolean clean(double tolerance) {
        return reached && offTargetChange >= -tolerance;
    }

    public static Suppression find(Head head, Sae sae, Plan plan, double alphaMax, float[][] acts, int[] labels) {
        int cls = plan.cls();
        List<Edit> edits = new ArrayList<>();
        List<Integer> unused = new ArrayList<>(plan.candidates());
        Head current = head;
        double off = 0;
        double baseline = Double.NaN;
        double accuracy = Double.NaN;
        while (edits.size() < plan.maxFeatures() && !unused.isEmpty()) {
            Step best = null;
            for (int feature : unused) {
                TargetAlpha.Profile profile = TargetAlpha.Profile.of(current, sae, plan.template(feature), cls,
                        alphaMax, acts, labels);
                TargetAlpha t = profile.reach(plan.goal());
                Step step = new Step(feature, profile, t, off + t.offTargetChange());
                if (Double.isNaN(baseline)) {
                    baseline = t.baseline();
                    accuracy = baseline;
                }
                if (best == null || step.betterThan(best, plan.tolerance())) {
                    best = step;
                }
            }
            TargetAlpha kept = best.withinBudget(plan.tolerance()) ? best.target()
                    : strongestWithinBudget(plan, best, off);
            if (kept == null || kept.alpha() == 0) {
                break;
            }
            unused.remove(Integer.valueOf(best.feature()));
            edits.add(plan.template(best.feature()).at(kept.alpha()));
            current = edits.get(edits.size() - 1).apply(current, sae);
            off += kept.offTargetChange();
            accuracy = kept.accuracy();
            if (kept.reached()) {
                break;
            }
        }
        boolean reached = accuracy <= plan.goal() + 1e-9 && off >= -plan.tolerance();
        return new Suppression(edits, reached, accuracy, baseline, off);
    }

    /**
     * The strength of the step's feature giving the class its lowest accuracy with the cumulative off-target loss within
     * budget: bisection over the accuracy goal (a looser goal needs a weaker edit); null when no step helps.
     */
    private static TargetAlpha strongestWithinBudget(Plan plan, Step step, double off) {
        double low = plan.goal();
        double high = step.target().baseline();
        TargetAlpha best = null;
        // Six halvings: the accuracy kept is within 1/64 of the class's current accuracy of the best within budget.
        for (int i = 0; i < 6 && high - low > 1e-4; i++) {
            double mid = (low + high) / 2;
            TargetAlpha t = step.profile().reach(mid);
            if (t.reached() && off + t.offTargetChange() >= -plan.tolerance()) {
                best = best == null || t.accuracy() < best.accuracy() ? t : best;
                high = mid;
            } else {
                low = mid;
            }
        }
        return best == null ? null : new TargetAlpha(best.alpha(), false, best.accuracy(),
                best.baseline(), best.offTargetChange());
    }

    /**
     * One candidate at its target strength; {@code off} the cumulative off-target change it would leave; its profile
     * answers other targets without tracing the samples again.
     */
    private record Step(int feature, TargetAlpha.Profile profile, TargetAlpha target, double off) {

        boolean withinBudget(double tolerance) {
            return off >= -tolerance;
        }

        /** Reaching within budget beats everything, then by lower cost; otherwise the lower accuracy, then cost. */
        boolean betterThan(Step other, double tolerance) {
            boolean clean = target.reached() && withinBudget(tolerance);
            boolean otherClean = other.target.reached() && other.withinBudget(tolerance);
            if (clean != otherClean) {
                return clean;
            }
            if (clean || target.accuracy() == other.target.accuracy()) {
                return off > other.off;
            }
            return target.accuracy() < other.target.accuracy();
        }
    }
}
