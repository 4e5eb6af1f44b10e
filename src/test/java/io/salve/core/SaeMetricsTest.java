package io.salve.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SaeMetricsTest {

    /** ReLU SAE on R^2 whose first two latents read and write the axes; the third never fires. */
    private static final Sae AXES = new Sae(SaeKind.RELU,
            new float[][] {{1, 0}, {0, 1}, {0, 0}}, new float[3],
            new float[][] {{1, 0, 1}, {0, 1, 0}}, new float[2], 1f, 0);

    @Test
    void countsFiringAndUnexplainedVariance() {
        float[][] activations = {{1, 0}, {0, 1}, {1, 1}, {-1, 0}};

        SaeMetrics metrics = SaeMetrics.evaluate(AXES, activations);

        // Only (-1, 0) is lost to the ReLU: residual 1; variance about the mean (0.25, 0.5) is 2.75 + 1.
        assertEquals(1 / 3.75, metrics.fvu(), 1e-9);
        assertArrayEquals(new double[] {0.5, 0.5, 0}, metrics.firingRate(), 1e-12);
        assertEquals(1.0, metrics.meanL0(), 1e-12);
        assertEquals(1, metrics.deadLatents());
    }

    @Test
    void latentsBelowOnePercentOfTheRmsNormDoNotFire() {
        Sae linear = new Sae(SaeKind.LINEAR, new float[][] {{1, 0}, {0, 1}}, new float[2],
                new float[][] {{1, 0}, {0, 1}}, new float[2], 1f, 0);
        // The threshold is 0.01 * sqrt(2) ~ 0.0141 in normalised units; signed latents count by magnitude.
        float[][] activations = {{0.01f, 0.5f}, {-0.005f, -0.5f}};

        SaeMetrics metrics = SaeMetrics.evaluate(linear, activations);

        assertEquals(0, metrics.fvu(), 1e-12);
        assertArrayEquals(new double[] {0, 1}, metrics.firingRate(), 1e-12);
        assertEquals(1, metrics.deadLatents());
    }

    @Test
    void fvuIsUndefinedWithoutVariance() {
        assertTrue(Double.isNaN(SaeMetrics.evaluate(AXES, new float[][] {{1, 0}, {1, 0}}).fvu()));
    }

    @Test
    void rejectsMismatchedActivations() {
        assertEquals("BAD_ARGUMENT",
                assertThrows(SalveException.class, () -> SaeMetrics.evaluate(AXES, new float[][] {{1, 2, 3}})).code());
        assertEquals("BAD_ARGUMENT",
                assertThrows(SalveException.class, () -> SaeMetrics.evaluate(AXES, new float[0][])).code());
    }
}
