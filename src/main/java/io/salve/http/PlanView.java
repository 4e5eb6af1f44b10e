package io.salve.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * POST /v1/edits/plan: the suppression found, measured on the held-out split on top of the active edits.
 *
 * @param baseVersion     the registry version the plan goes on top of: the If-Match for PUTting {@code set}
 * @param reached         whether the class is at or below the target with the off-target loss within tolerance
 * @param accuracyBefore  the class's accuracy with the active edits alone
 * @param accuracyAfter   its accuracy with the plan's edits added
 * @param offTargetChange the other classes' mean accuracy change, percentage points
 * @param features        the features used, in the order the search added them
 * @param edits           the plan's edits alone, as POST /v1/edits takes them
 * @param set             the active edits followed by the plan's, as PUT /v1/edits takes them (with If-Match)
 */
public record PlanView(String model, long baseVersion, @JsonProperty("class") int cls, String className,
                       double targetAccuracy, String split, boolean reached, double accuracyBefore,
                       double accuracyAfter, double offTargetChange, List<Integer> features, List<EditBody> edits,
                       SetBody set) {
}
