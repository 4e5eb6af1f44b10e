package io.salve.core.edit;

import io.salve.core.Head;
import io.salve.core.Sae;
import java.util.ArrayList;
import java.util.List;

/**
 * An ordered, immutable list of edits. {@link #apply} applies them in list order, each to the head the previous ones
 * produced (so a rank-1 or projection edit sees the weights earlier edits left). Order matters only between
 * non-commuting edits; see the package documentation.
 */
public record EditSet(List<Edit> edits) {

    public static final EditSet EMPTY = new EditSet(List.of());

    public EditSet {
        edits = List.copyOf(edits);
    }

    public static EditSet of(Edit... edits) {
        return new EditSet(List.of(edits));
    }

    /** This set with {@code edit} applied last. */
    public EditSet with(Edit edit) {
        List<Edit> more = new ArrayList<>(edits);
        more.add(edit);
        return new EditSet(more);
    }

    public void validate(Head head, Sae sae, double maxAlpha) {
        for (Edit edit : edits) {
            edit.validate(head, sae, maxAlpha);
        }
    }

    /** The head after every edit, a new one (a copy when there are none); {@code head} is untouched. */
    public Head apply(Head head, Sae sae) {
        Head out = head.copy();
        for (Edit edit : edits) {
            out = edit.apply(out, sae);
        }
        return out;
    }
}
