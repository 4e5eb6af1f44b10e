package io.salve.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SaeConfigTest {

    @Test
    void shortConstructorUsesDefaults() {
        SaeConfig config = new SaeConfig(SaeKind.TOPK, 64, 0, 8, 3, 42);

        assertEquals(256, config.batchSize());
        assertEquals(1e-3, config.learningRate());
        assertEquals(8, config.k());
    }

    @Test
    void rejectsBadSizes() {
        assertBadArgument(() -> new SaeConfig(SaeKind.RELU, 0, 0.1, 0, 1, 1));
        assertBadArgument(() -> new SaeConfig(SaeKind.RELU, 8, 0.1, 0, 0, 1));
        assertBadArgument(() -> new SaeConfig(SaeKind.RELU, 8, 0.1, 0, 1, 0, 1e-3, 1));
        assertBadArgument(() -> new SaeConfig(null, 8, 0.1, 0, 1, 1));
    }

    @Test
    void rejectsBadPenaltyAndLearningRate() {
        assertBadArgument(() -> new SaeConfig(SaeKind.RELU, 8, -0.1, 0, 1, 1));
        assertBadArgument(() -> new SaeConfig(SaeKind.RELU, 8, Double.NaN, 0, 1, 1));
        assertBadArgument(() -> new SaeConfig(SaeKind.RELU, 8, Double.POSITIVE_INFINITY, 0, 1, 1));
        assertBadArgument(() -> new SaeConfig(SaeKind.RELU, 8, 0.1, 0, 1, 256, 0, 1));
        assertBadArgument(() -> new SaeConfig(SaeKind.RELU, 8, 0.1, 0, 1, 256, Double.NaN, 1));
    }

    @Test
    void topKNeedsKWithinLatents() {
        assertBadArgument(() -> new SaeConfig(SaeKind.TOPK, 8, 0, 0, 1, 1));
        assertBadArgument(() -> new SaeConfig(SaeKind.TOPK, 8, 0, 9, 1, 1));
        assertEquals(8, new SaeConfig(SaeKind.TOPK, 8, 0, 8, 1, 1).k());
    }

    @Test
    void kIsOnlyForTopK() {
        assertBadArgument(() -> new SaeConfig(SaeKind.LINEAR, 8, 0.1, 4, 1, 1));
    }

    private static void assertBadArgument(Executable construction) {
        assertEquals("BAD_ARGUMENT", assertThrows(SalveException.class, construction).code());
    }
}
