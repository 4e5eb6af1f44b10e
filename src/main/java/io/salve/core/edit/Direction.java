package io.salve.core.edit;

/** Whether an edit weakens or strengthens a feature. */
public enum Direction {
    SUPPRESS(-1),
    ENHANCE(1);

    private final int sign;

    Direction(int sign) {
        this.sign = sign;
    }

    /** The {@code s} of the edit formulas: -1 suppresses, +1 enhances. */
    public int sign() {
        return sign;
    }

    /** Parses "suppress" or "enhance" (any case); anything else is {@code UNKNOWN_DIRECTION}. */
    public static Direction parse(String name) {
        return Ids.parse(values(), name, "UNKNOWN_DIRECTION", "edit direction");
    }

    public String id() {
        return Ids.of(this);
    }
}
