package io.salve.core.edit;

import io.salve.core.SalveException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Lower-case ids for the enums operators type (edit methods, directions, feature selections). */
public final class Ids {

    private Ids() {
    }

    public static String of(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    public static <E extends Enum<E>> E parse(E[] values, String name, String code, String what) {
        for (E value : values) {
            if (value.name().equalsIgnoreCase(name)) {
                return value;
            }
        }
        String expected = Arrays.stream(values).map(Ids::of).collect(Collectors.joining(", "));
        throw new SalveException(code, "unknown " + what + " '" + name + "' (expected one of " + expected + ")");
    }
}
