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

    /** The fields the search needs and the API's bound on its cost; {@code Suppression.Plan} checks the values. */
    void validate() {
        if (cls == null || targetAccuracy == null) {
            throw new ApiException("BAD_REQUEST", "a plan needs \"class\" and \"targetAccuracy\" (\"method\", "
                    + "\"rows\", \"selection\", \"maxFeatures\", \"tolerance\", \"author\", \"reason\" are optional)");
        }
        if (maxFeatures > MAX_FEATURES) {
            throw new ApiException("BAD_MAX_FEATURES", "\"maxFeatures\" must be 1.." + MAX_FEATURES + "; got "
                    + maxFeatures);
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
