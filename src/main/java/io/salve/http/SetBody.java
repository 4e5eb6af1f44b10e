package io.salve.http;

import io.salve.edits.EditProposal;
import java.util.List;

/** PUT /v1/edits: replace the active edits with these, under a name. */
public record SetBody(String name, List<EditBody> edits, String author, String reason) {

    /** Each edit, with the set's author and reason where it has none of its own. */
    List<EditProposal> proposals() {
        if (name == null || edits == null || edits.contains(null)) {
            throw new ApiException("BAD_REQUEST", "a set needs \"name\" and \"edits\" (a list of edits, may be "
                    + "empty); \"author\" and \"reason\" are optional");
        }
        return edits.stream().map(e -> new EditProposal(e.edit(), e.author() != null ? e.author() : author,
                e.reason() != null ? e.reason() : reason)).toList();
    }
}
