package io.salve.core.edit;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import java.util.List;
import java.util.Objects;

/**
 * An edit without its strength: what sweeps and threshold searches vary alpha over.
 *
 * @param rows target classes (head rows); empty means all classes
 */
public record EditTemplate(int feature, EditMethod method, Direction direction, List<Integer> rows) {

    public EditTemplate {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(direction, "direction");
        rows = List.copyOf(rows);
    }

    /** A suppression of {@code feature}; no rows means all classes. */
    public static EditTemplate suppress(int feature, EditMethod method, Integer... rows) {
        return new EditTemplate(feature, method, Direction.SUPPRESS, List.of(rows));
    }

    public Edit at(double alpha) {
        return new Edit(feature, method, direction, alpha, rows);
    }

    /** Whether the edit changes class {@code k}'s row. */
    public boolean targets(int k) {
        return rows.isEmpty() || rows.contains(k);
    }

    /** Checks the template fits the head and SAE: codes SHAPE_MISMATCH, UNKNOWN_FEATURE, UNKNOWN_CLASS. */
    public void validate(Head head, Sae sae) {
        if (head.dim() != sae.inputDim()) {
            throw new SalveException("SHAPE_MISMATCH", "the head takes " + head.dim() + "-dim activations but the SAE "
                    + sae.inputDim() + "; use the SAE trained on this model's activations");
        }
        if (feature < 0 || feature >= sae.latents()) {
            throw new SalveException("UNKNOWN_FEATURE", "unknown feature " + feature + ": this SAE has features 0.."
                    + (sae.latents() - 1));
        }
        for (int row : rows) {
            if (row < 0 || row >= head.numClasses()) {
                throw new SalveException("UNKNOWN_CLASS", "unknown class " + row + ": this head has classes 0.."
                        + (head.numClasses() - 1));
            }
        }
    }
}
