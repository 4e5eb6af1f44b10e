package io.salve.core.edit;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import java.util.List;
import java.util.Objects;

/**
 * One edit of the head: change feature {@code feature} with {@code method} in {@code direction} at strength
 * {@code alpha >= 0}, on the rows of classes {@code rows} (empty: all classes). A value; it knows nothing of who
 * applied it or when.
 */
public record Edit(int feature, EditMethod method, Direction direction, double alpha, List<Integer> rows) {

    public Edit {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(direction, "direction");
        rows = List.copyOf(rows);
    }

    public EditTemplate template() {
        return new EditTemplate(feature, method, direction, rows);
    }

    /**
     * Checks the edit against a head and its SAE: {@code UNKNOWN_FEATURE}, {@code UNKNOWN_CLASS},
     * {@code SHAPE_MISMATCH}, and {@code BAD_ALPHA} for a negative, NaN, infinite or above-{@code maxAlpha} strength.
     */
    public void validate(Head head, Sae sae, double maxAlpha) {
        template().validate(head, sae);
        checkAlpha(alpha, maxAlpha);
    }

    /** The edited head, a new one; {@code head} is untouched. */
    public Head apply(Head head, Sae sae) {
        return EditPath.of(head, sae, template()).at(alpha);
    }

    static void checkAlpha(double alpha, double maxAlpha) {
        if (!(alpha >= 0) || alpha > maxAlpha || Double.isInfinite(alpha)) {
            throw new SalveException("BAD_ALPHA", "alpha must be a finite number in [0, " + maxAlpha + "], was "
                    + alpha);
        }
    }
}
