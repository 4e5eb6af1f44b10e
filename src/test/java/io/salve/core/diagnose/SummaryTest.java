package io.salve.core.diagnose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SummaryTest {

    @Test
    void quartilesOfTheDefinedValues() {
        Summary s = Summary.of(new double[] {4, Double.NaN, 1, 3, 2});
        assertEquals(5, s.count());
        assertEquals(1, s.undefined());
        assertEquals(0.2, s.fractionUndefined(), 1e-12);
        assertEquals(1.75, s.q1(), 1e-12);
        assertEquals(2.5, s.median(), 1e-12);
        assertEquals(3.25, s.q3(), 1e-12);
    }

    @Test
    void infinityIsAValue() {
        Summary s = Summary.of(new double[] {1, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY});
        assertEquals(Double.POSITIVE_INFINITY, s.median());
        assertEquals(Double.POSITIVE_INFINITY, s.q3());
        assertEquals(Double.POSITIVE_INFINITY, s.q1());
        assertEquals(0, s.fractionUndefined());
    }

    @Test
    void nothingDefined() {
        Summary s = Summary.of(new double[] {Double.NaN, Double.NaN});
        assertEquals(1, s.fractionUndefined());
        assertTrue(Double.isNaN(s.median()));
        assertTrue(Double.isNaN(Summary.of(new double[0]).fractionUndefined()));
    }
}
