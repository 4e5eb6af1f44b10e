package io.salve.edits;

import java.time.Instant;
import java.util.List;

/**
 * One change in a model's edit history, oldest first in {@link EditRegistryClient#history()}.
 *
 * @param kind     APPLIED, REVERTED, REVERTED_ALL or SET
 * @param applied  edits this change put in force (APPLIED: one; SET: the whole new set)
 * @param reverted ids of the edits this change took out of force
 * @param setName  the name a SET gave its edit set; "" for the other kinds
 */
public record HistoryEntry(long version, String kind, Instant at, String author, String reason,
                           List<ActiveEdit> applied, List<String> reverted, String setName) {

    public static final String APPLIED = "APPLIED";
    public static final String REVERTED = "REVERTED";
    public static final String REVERTED_ALL = "REVERTED_ALL";
    public static final String SET = "SET";

    public HistoryEntry {
        applied = List.copyOf(applied);
        reverted = List.copyOf(reverted);
        setName = setName == null ? "" : setName;
    }

    /** An entry of a kind other than SET. */
    public HistoryEntry(long version, String kind, Instant at, String author, String reason,
                        List<ActiveEdit> applied, List<String> reverted) {
        this(version, kind, at, author, reason, applied, reverted, "");
    }
}
