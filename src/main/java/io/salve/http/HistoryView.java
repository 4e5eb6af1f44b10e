package io.salve.http;

import io.salve.edits.HistoryEntry;
import java.util.List;

/** GET /v1/edits/history: every change, oldest first. */
public record HistoryView(String model, List<Entry> entries) {

    public record Entry(long version, String kind, String at, String author, String reason, List<EditView> applied,
                        List<String> reverted) {

        static Entry of(HistoryEntry h) {
            return new Entry(h.version(), h.kind(), h.at().toString(), h.author(), h.reason(),
                    h.applied().stream().map(EditView::of).toList(), h.reverted());
        }
    }
}
