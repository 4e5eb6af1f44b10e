package io.salve.http;

import io.salve.edits.EditState;
import java.util.List;

/** GET /v1/edits and the answer to every change: the registry version and the active edits. */
public record StateView(String model, long version, String setName, List<EditView> active) {

    static StateView of(String model, EditState s) {
        return new StateView(model, s.version(), s.setName(), s.active().stream().map(EditView::of).toList());
    }
}
