package io.salve.core.edit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.SalveException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class EditValidationTest {

    private final Head head = Fixtures.handHead();
    private final Sae sae = Fixtures.handSae();

    private static void assertCode(String code, Executable action) {
        assertEquals(code, assertThrows(SalveException.class, action).code());
    }

    private void assertInvalid(String code, int feature, double alpha, Integer... rows) {
        Edit edit = new Edit(feature, EditMethod.SALVE, Direction.SUPPRESS, alpha, List.of(rows));
        assertCode(code, () -> edit.validate(head, sae, 10));
        assertCode(code, () -> EditSet.of(edit).validate(head, sae, 10));
    }

    @Test
    void parsesMethodsAndDirections() {
        assertEquals(EditMethod.SALVE, EditMethod.parse("salve"));
        assertEquals(EditMethod.RANK1, EditMethod.parse("RANK1"));
        assertEquals(EditMethod.PROJECTION, EditMethod.parse("projection"));
        assertEquals("rank1", EditMethod.RANK1.id());
        assertCode("UNKNOWN_METHOD", () -> EditMethod.parse("rome"));
        assertCode("UNKNOWN_METHOD", () -> EditMethod.parse(null));
        assertEquals(Direction.SUPPRESS, Direction.parse("suppress"));
        assertEquals(Direction.ENHANCE, Direction.parse("Enhance"));
        assertEquals(-1, Direction.SUPPRESS.sign());
        assertCode("UNKNOWN_DIRECTION", () -> Direction.parse("down"));
    }

    @Test
    void unknownFeature() {
        assertInvalid("UNKNOWN_FEATURE", -1, 1);
        assertInvalid("UNKNOWN_FEATURE", 2, 1);
        Edit edit = new Edit(2, EditMethod.RANK1, Direction.SUPPRESS, 1, List.of());
        assertCode("UNKNOWN_FEATURE", () -> edit.apply(head, sae));
    }

    @Test
    void badAlpha() {
        assertInvalid("BAD_ALPHA", 0, -0.1);
        assertInvalid("BAD_ALPHA", 0, Double.NaN);
        assertInvalid("BAD_ALPHA", 0, Double.POSITIVE_INFINITY);
        assertInvalid("BAD_ALPHA", 0, 10.5);
        Edit atMax = new Edit(0, EditMethod.SALVE, Direction.SUPPRESS, 10, List.of());
        assertDoesNotThrow(() -> atMax.validate(head, sae, 10));
        Edit negative = new Edit(0, EditMethod.SALVE, Direction.SUPPRESS, -1, List.of());
        assertCode("BAD_ALPHA", () -> negative.apply(head, sae));
    }

    @Test
    void unknownClass() {
        assertInvalid("UNKNOWN_CLASS", 0, 1, 2);
        assertInvalid("UNKNOWN_CLASS", 0, 1, 0, -1);
    }

    @Test
    void shapeMismatch() {
        Sae other = Fixtures.randomSae(new Random(1), SaeKind.LINEAR, 4, 2);
        assertCode("SHAPE_MISMATCH", () -> new Edit(0, EditMethod.SALVE, Direction.SUPPRESS, 1, List.of())
                .validate(head, other, 10));
    }

    @Test
    void rowsAreAnImmutableCopy() {
        List<Integer> rows = new ArrayList<>(List.of(0));
        Edit edit = new Edit(0, EditMethod.SALVE, Direction.SUPPRESS, 1, rows);
        rows.add(1);
        assertEquals(List.of(0), edit.rows());
        assertThrows(UnsupportedOperationException.class, () -> edit.rows().add(1));
    }
}
