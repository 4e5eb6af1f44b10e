package io.salve.core.diagnose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KsDistanceTest {

    private static final double INF = Double.POSITIVE_INFINITY;

    @Test
    void isTheLargestGapBetweenTheEmpiricalCdfs() {
        assertEquals(0.5, KsDistance.between(new double[] {1, 2, 3, 4}, new double[] {3, 4, 5, 6}), 1e-12);
        assertEquals(1.0, KsDistance.between(new double[] {1, 2, 3}, new double[] {4, 5}), 1e-12);
        assertEquals(0.0, KsDistance.between(new double[] {1, 2, 2, 7}, new double[] {1, 2, 2, 7}), 1e-12);
    }

    @Test
    void infinitiesAreOrdinaryEqualValues() {
        // Two thirds never flip on one side, all on the other: the ECDFs differ by 1/3 below infinity.
        assertEquals(1.0 / 3, KsDistance.between(new double[] {1, INF, INF}, new double[] {INF}), 1e-12);
        assertEquals(0.0, KsDistance.between(new double[] {INF, INF}, new double[] {INF}), 1e-12);
    }

    @Test
    void anEmptySampleHasNoDistance() {
        assertTrue(Double.isNaN(KsDistance.between(new double[0], new double[] {1})));
    }
}
