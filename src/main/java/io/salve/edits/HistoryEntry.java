package io.salve.edits;

import java.time.Instant;
import java.util.List;

/**
 * One change in a model's edit history, oldest first in {@link EditLog#history()}.
 *
 * @param kind     APPLIED, REVERTED, REVERTED_ALL or SET
 * @param applied  edits this change put in force (APPLIED: one; SET: the whole new set)
 * @param reverted ids of the edits this change took out of force
 */
public record HistoryEntry(long version, String kind, Instant at, String author, String reason,
                           List<ActiveEdit> applied, List<String> reverted) {

    public HistoryEntry {
        applied = List.copyOf(applied);
        reverted = List.copyOf(reverted);
    }
}
