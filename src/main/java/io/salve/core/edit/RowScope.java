package io.salve.core.edit;

import java.util.List;

/**
 * Which head rows a class suppression edits: {@code ALL}, the paper's per-feature edit (every class's logit loses the
 * feature), or {@code CLASS}, only the suppressed class's own row (the other logits stay as they were, so the other
 * classes can only gain).
 */
public enum RowScope {
    ALL,
    CLASS;

    /** The rows an edit suppressing class {@code cls} targets (empty: all). */
    public List<Integer> rows(int cls) {
        return this == ALL ? List.of() : List.of(cls);
    }

    /** Parses "all" or "class" (any case); anything else is {@code UNKNOWN_ROWS}. */
    public static RowScope parse(String name) {
        return Ids.parse(values(), name, "UNKNOWN_ROWS", "row scope");
    }

    public String id() {
        return Ids.of(this);
    }
}
