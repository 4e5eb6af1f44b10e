package io.salve.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BatchesTest {

    /** Three 2-channel 1x2 images: pixel values 0, 51, 102, ... 255 * k / 5. */
    private static final ImageSet TINY = new ImageSet(3, 2, 1, 2,
            new byte[] {0, 51, 102, (byte) 153, (byte) 204, (byte) 255, 0, 0, 0, 0, (byte) 255, (byte) 255},
            new int[] {0, 1, 0}, List.of("a", "b"));

    @Test
    void normalisesASliceChannelFirst() {
        float[] batch = Batches.normalised(TINY, 1, 2, 0.5f, 0.25f);
        // (p / 255 - 0.5) / 0.25 for p = 204, 255, 0, 0
        assertArrayEquals(new float[] {1.2f, 2f, -2f, -2f}, batch, 1e-6f);
    }

    @Test
    void identityNormalisationScalesToUnitRange() {
        float[] batch = Batches.normalised(TINY, 0, 3, 0f, 1f);
        assertEquals(12, batch.length);
        assertArrayEquals(new float[] {0f, 0.2f, 0.4f, 0.6f}, Arrays.copyOf(batch, 4), 1e-6f);
        assertEquals(1f, batch[11], 0f);
    }

    @Test
    void perChannelStatisticsApplyToTheirOwnPlane() {
        // Image 1 is channel 0 = {204, 255}, channel 1 = {0, 0}; channel 0 by (0.5, 0.25), channel 1 by (0.1, 0.5).
        float[] batch = Batches.normalised(TINY, 1, 2, new float[] {0.5f, 0.1f}, new float[] {0.25f, 0.5f});
        assertArrayEquals(new float[] {1.2f, 2f, -0.2f, -0.2f}, batch, 1e-6f);
        assertThrows(IllegalArgumentException.class,
                () -> Batches.normalised(TINY, 0, 1, new float[] {0f, 0f, 0f}, new float[] {1f, 1f, 1f}));
        assertThrows(IllegalArgumentException.class,
                () -> Batches.normalised(TINY, 0, 1, new float[] {0f, 0f}, new float[] {1f, 0f}));
    }

    @Test
    void anEmptyRangeGivesAnEmptyBatch() {
        assertEquals(0, Batches.normalised(TINY, 2, 2, 0f, 1f).length);
    }

    @Test
    void rejectsRangesOutsideTheSetAndNonPositiveStd() {
        assertThrows(IndexOutOfBoundsException.class, () -> Batches.normalised(TINY, 2, 4, 0f, 1f));
        assertThrows(IndexOutOfBoundsException.class, () -> Batches.normalised(TINY, 2, 1, 0f, 1f));
        assertThrows(IllegalArgumentException.class, () -> Batches.normalised(TINY, 0, 1, 0f, 0f));
    }

    @Test
    void meanStdOfATinySet() {
        // Values /255: 0, .2, .4, .6, .8, 1, 0, 0, 0, 0, 1, 1 -> mean 5/12, E[x^2] = 4.2/12
        float[] meanStd = Batches.meanStd(TINY);
        double mean = 5.0 / 12;
        assertEquals(mean, meanStd[0], 1e-6);
        assertEquals(Math.sqrt(4.2 / 12 - mean * mean), meanStd[1], 1e-6);
    }

    @Test
    void meanStdOfFashionMnistTrainMatchesThePublishedFigures() {
        float[] meanStd = Batches.meanStd(FashionMnist.train(FashionMnist.DEFAULT_DIR));
        assertEquals(0.286, meanStd[0], 0.01);
        assertEquals(0.353, meanStd[1], 0.01);
    }
}
