package io.salve.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.salve.core.FeatureSelection;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.RowScope;

/**
 * POST /v1/edits/plan: take class {@code class} to {@code targetAccuracy} on the held-out split through the fewest of
 * its features (up to {@code maxFeatures}) and the weakest strengths, with the other classes' mean accuracy falling by
 * at most {@code tolerance} percentage points. Everything but the class and the target has a default.
 */
public record PlanBody(@JsonProperty("class") Integer cls, Double targetAccuracy, String method, String rows,
                       String selection, Integer maxFeatures, Double tolerance, String author, String reason) {

    /** A plan searches {@code 2 maxFeatures - 1} candidates, each a pass over the held-out split. */
    static final int MAX_FEATURES = 5;

    public PlanBody {
        method = method == null ? EditMethod.SALVE.id() : method;
        rows = rows == null ? RowScope.ALL.id() : rows;
        selection = selection == null ? FeatureSelection.SELECTIVE.id() : selection;
        maxFeatures = maxFeatures == null ? 3 : maxFeatures;
        tolerance = tolerance == null ? 2.0 : tolerance;
    }

    /** Checks what the search itself does not: the class is checked against the served model by the caller. */
    void validate() {
        if (cls == null || targetAccuracy == null) {
            throw new ApiException("BAD_REQUEST", "a plan needs \"class\" and \"targetAccuracy\" (\"method\", "
                    + "\"rows\", \"selection\", \"maxFeatures\", \"tolerance\", \"author\", \"reason\" are optional)");
        }
        if (!(targetAccuracy >= 0 && targetAccuracy <= 1)) {
            throw new ApiException("BAD_TARGET", "\"targetAccuracy\" is the class's accuracy to reach, in [0, 1]; got "
                    + targetAccuracy);
        }
        if (maxFeatures < 1 || maxFeatures > MAX_FEATURES) {
            throw new ApiException("BAD_MAX_FEATURES", "\"maxFeatures\" must be 1.." + MAX_FEATURES + "; got "
                    + maxFeatures);
        }
        if (!(tolerance >= 0) || tolerance.isInfinite()) {
            throw new ApiException("BAD_TOLERANCE", "\"tolerance\" is the largest mean off-target loss allowed in "
                    + "percentage points, finite and >= 0; got " + tolerance);
        }
    }

    EditMethod editMethod() {
        return EditMethod.parse(method);
    }

    RowScope rowScope() {
        return RowScope.parse(rows);
    }

    FeatureSelection featureSelection() {
        return FeatureSelection.parse(selection);
    }
}
