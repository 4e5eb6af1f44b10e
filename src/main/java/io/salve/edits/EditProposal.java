package io.salve.edits;

import io.salve.core.edit.Edit;
import java.util.Objects;

/** An edit an operator asks for, with who asks and why; validated by the registry before anything is persisted. */
public record EditProposal(Edit edit, String author, String reason) {

    public EditProposal {
        Objects.requireNonNull(edit, "edit");
        author = author == null ? "" : author;
        reason = reason == null ? "" : reason;
    }
}
