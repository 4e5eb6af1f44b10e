package io.salve.http;

import io.salve.edits.HistoryEntry;
import java.util.List;
import java.util.Optional;

/**
 * GET /v1/edits/history: the changes, oldest first, a page at a time: at most {@code limit} (default
 * {@link #DEFAULT_LIMIT}, at most {@link #MAX_LIMIT}) with versions above {@code after}; {@code next} is the
 * {@code after} of the next page, absent on the last.
 */
public record HistoryView(String model, List<Entry> entries, Long next) {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    /** Which page: checked from the query before the registry is asked for anything. */
    record Page(int limit, long after) {

        static Page of(Optional<String> limit, Optional<String> after) {
            long size = limit.map(l -> parse(l, "BAD_LIMIT", "\"limit\" is the page size, 1.." + MAX_LIMIT))
                    .orElse((long) DEFAULT_LIMIT);
            if (size < 1 || size > MAX_LIMIT) {
                throw new ApiException("BAD_LIMIT", "\"limit\" is the page size, 1.." + MAX_LIMIT + "; got " + size);
            }
            return new Page((int) size, after.map(a -> parse(a, "BAD_AFTER",
                    "\"after\" is the last version of the previous page, >= 0")).orElse(0L));
        }

        HistoryView of(String model, List<HistoryEntry> all) {
            List<HistoryEntry> rest = all.stream().filter(h -> h.version() > after).toList();
            List<HistoryEntry> page = rest.subList(0, Math.min(limit, rest.size()));
            Long next = rest.size() > page.size() ? page.get(page.size() - 1).version() : null;
            return new HistoryView(model, page.stream().map(Entry::of).toList(), next);
        }

        private static long parse(String value, String code, String meaning) {
            try {
                long v = Long.parseLong(value);
                if (v >= 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // answered below
            }
            throw new ApiException(code, meaning + "; got \"" + value + "\"");
        }
    }

    public record Entry(long version, String kind, String at, String author, String reason, List<EditView> applied,
                        List<String> reverted) {

        static Entry of(HistoryEntry h) {
            return new Entry(h.version(), h.kind(), h.at().toString(), h.author(), h.reason(),
                    h.applied().stream().map(EditView::of).toList(), h.reverted());
        }
    }
}
