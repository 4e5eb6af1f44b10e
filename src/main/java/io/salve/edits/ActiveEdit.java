package io.salve.edits;

import io.salve.core.edit.Edit;
import java.time.Instant;

/**
 * An edit in force: its registry id, the edit itself, who applied it and why, when, and the version its application
 * produced.
 */
public record ActiveEdit(String id, Edit edit, String author, String reason, Instant appliedAt, long version) {
}
