package io.salve.http;

import io.salve.core.edit.Edit;
import io.salve.edits.ActiveEdit;
import java.util.List;

/** One active edit as the API shows it. */
public record EditView(String id, int feature, String method, String direction, double alpha, List<Integer> rows,
                       String author, String reason, String appliedAt, long version) {

    static EditView of(ActiveEdit a) {
        Edit e = a.edit();
        return new EditView(a.id(), e.feature(), e.method().id(), e.direction().id(), e.alpha(), e.rows(),
                a.author(), a.reason(), a.appliedAt().toString(), a.version());
    }
}
