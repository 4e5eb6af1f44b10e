package io.salve.edits;

import io.salve.core.edit.EditSet;
import java.util.List;

/**
 * The registry's view of one served model: the active edits in application order and a version that increases with
 * every change (0 = never edited). {@code setName} is the name given by the "set" command when it was the last change
 * (the active edits are exactly that set), "" otherwise.
 */
public record EditState(long version, List<ActiveEdit> active, String setName) {

    public static final EditState EMPTY = new EditState(0, List.of(), "");

    public EditState {
        active = List.copyOf(active);
        setName = setName == null ? "" : setName;
    }

    /** The edits to apply to the bundle's head, in order. */
    public EditSet editSet() {
        return new EditSet(active.stream().map(ActiveEdit::edit).toList());
    }
}
