package io.salve.serve;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditSet;
import io.salve.model.Activations;
import io.salve.model.Bundle;
import java.util.ArrayList;
import java.util.List;

/**
 * The head replicas apply, with the edit-set version it was built from, the edits themselves and the unedited head
 * (for diagnostics: what the model would have said without the edits), and one {@link SuppressionProbe} per active
 * suppression edit. Computed once per edit change, off the inference path, and carried by every batch so that a
 * batch never mixes versions.
 */
public record ServingHead(Head head, long version, EditSet edits, Head base, List<SuppressionProbe> suppressions) {

    public ServingHead {
        suppressions = List.copyOf(suppressions);
    }

    /** A head without diagnostics probes. */
    public ServingHead(Head head, long version, EditSet edits, Head base) {
        this(head, version, edits, base, List.of());
    }

    /** The bundle's own head, version 0, no edits. */
    public static ServingHead unedited(Head base) {
        return new ServingHead(base, 0, EditSet.EMPTY, base);
    }

    /**
     * Everything a replica needs for {@code edits} at {@code version}, references included: the bundle's head, its SAE
     * and its held-out (test) activations, read from disk; see {@link #of(Head, Sae, EditSet, long)}.
     */
    public static ServingHead of(Bundle bundle, EditSet edits, long version) {
        if (edits.edits().isEmpty()) {
            // The same instance twice: replicas then know there is nothing to diagnose.
            Head base = bundle.head();
            return new ServingHead(base, version, edits, base);
        }
        if (!bundle.hasSae()) {
            throw new SalveException("NO_SAE", "the bundle has no SAE, so it cannot be edited");
        }
        float[][] heldOut = bundle.cachedActivations("test").map(Activations::rows).orElse(new float[0][]);
        return of(bundle.head(), bundle.sae(), edits, version).withReferences(heldOut);
    }

    /**
     * The edited head ({@code edits.apply(base, sae)}, built edit by edit) and, for each suppression edit, its alpha
     * path from the head the edits before it left. Cheap (microseconds to a millisecond): it is what a new edit waits
     * for before it is served. The probes' drift references are not built yet: {@link #withReferences(float[][])}.
     */
    public static ServingHead of(Head base, Sae sae, EditSet edits, long version) {
        Head head = base;
        List<SuppressionProbe> probes = new ArrayList<>();
        for (int i = 0; i < edits.edits().size(); i++) {
            Edit edit = edits.edits().get(i);
            // Exactly EditSet.apply's steps (Edit.apply is EditPath.of(...).at(alpha)), keeping each path.
            EditPath path = EditPath.of(head, sae, edit.template());
            if (edit.direction() == Direction.SUPPRESS) {
                SuppressionProbe probe = SuppressionProbe.of(i, edit, path);
                probes.add(probe);
                head = probe.after();
            } else {
                head = path.at(edit.alpha());
            }
        }
        return new ServingHead(head, version, edits, base, probes);
    }

    /** Whether every suppression's drift reference is built. */
    public boolean referencesReady() {
        return suppressions.stream().allMatch(SuppressionProbe::referenceReady);
    }

    /**
     * The same head and version with each suppression's held-out alpha_flip distribution per class, from
     * {@code heldOut} (may be empty). Slow (it traces every held-out sample): call it off the inference path.
     */
    public ServingHead withReferences(float[][] heldOut) {
        List<SuppressionProbe> probes = new ArrayList<>(suppressions.size());
        for (SuppressionProbe p : suppressions) {
            probes.add(p.referenceReady() ? p : p.withReference(heldOut));
        }
        return new ServingHead(head, version, edits, base, probes);
    }
}
