package io.salve.serve;

import io.salve.core.Head;
import io.salve.core.edit.EditSet;

/**
 * The head replicas apply, with the edit-set version it was built from, the edits themselves and the unedited head
 * (for diagnostics: what the model would have said without the edits). Computed once per edit change, off the
 * inference path, and carried by every batch so that a batch never mixes versions.
 */
public record ServingHead(Head head, long version, EditSet edits, Head base) {

    /** The bundle's own head, version 0, no edits. */
    public static ServingHead unedited(Head base) {
        return new ServingHead(base, 0, EditSet.EMPTY, base);
    }
}
