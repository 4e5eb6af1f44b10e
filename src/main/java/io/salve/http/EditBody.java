package io.salve.http;

import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import java.util.List;

/** One edit as operators write it (POST /v1/edits, /v1/edits/preview, and each of PUT /v1/edits' edits). */
public record EditBody(Integer feature, String method, String direction, Double alpha, List<Integer> rows,
                       String author, String reason) {

    static EditBody of(Edit edit, String author, String reason) {
        return new EditBody(edit.feature(), edit.method().id(), edit.direction().id(), edit.alpha(), edit.rows(),
                author, reason);
    }

    Edit edit() {
        if (feature == null || method == null || direction == null || alpha == null) {
            throw new ApiException("BAD_REQUEST", "an edit needs \"feature\", \"method\", \"direction\" and "
                    + "\"alpha\" (\"rows\", \"author\", \"reason\" are optional)");
        }
        if (rows != null && rows.contains(null)) {
            throw new ApiException("BAD_REQUEST", "\"rows\" must be class indices");
        }
        return new Edit(feature, EditMethod.parse(method), Direction.parse(direction), alpha,
                rows == null ? List.of() : rows);
    }
}
