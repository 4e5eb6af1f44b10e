package io.salve.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SaeTrainerTest {

    private static final int DIM = 32;
    private static final int PLANTED = 16;
    private static final int ACTIVE = 3;
    private static final float[][] DIRECTIONS = new float[PLANTED][DIM];
    /** Each row: 3 distinct planted directions with coefficients in [0.5, 1.5), plus noise of std 0.01. */
    private static final float[][] DATA = new float[4000][DIM];

    static {
        Random random = new Random(7);
        for (float[] v : DIRECTIONS) {
            for (int j = 0; j < DIM; j++) {
                v[j] = (float) random.nextGaussian();
            }
            double norm = Maths.norm(v);
            for (int j = 0; j < DIM; j++) {
                v[j] /= norm;
            }
        }
        for (float[] a : DATA) {
            List<Integer> features = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
            java.util.Collections.shuffle(features, random);
            for (int f : features.subList(0, ACTIVE)) {
                double c = 0.5 + random.nextDouble();
                for (int j = 0; j < DIM; j++) {
                    a[j] += (float) (c * DIRECTIONS[f][j]);
                }
            }
            for (int j = 0; j < DIM; j++) {
                a[j] += (float) (0.01 * random.nextGaussian());
            }
        }
    }

    @Test
    void linearSaeRecoversPlantedDirectionsUpToSign() {
        Sae sae = SaeTrainer.train(DATA, new SaeConfig(SaeKind.LINEAR, 16, 0.3, 0, 100, 256, 1e-2, 1), Progress.NONE);

        assertRecovers(sae, true);
        assertUnitDecoderColumns(sae);
        assertTrue(SaeMetrics.evaluate(sae, DATA).fvu() < 0.1);
    }

    @Test
    void reluSaeRecoversPlantedDirectionsSparsely() {
        Sae sae = SaeTrainer.train(DATA, new SaeConfig(SaeKind.RELU, 16, 0.3, 0, 60, 256, 3e-3, 1), Progress.NONE);

        assertRecovers(sae, false);
        assertUnitDecoderColumns(sae);
        SaeMetrics metrics = SaeMetrics.evaluate(sae, DATA);
        assertTrue(metrics.fvu() < 0.1, "fvu " + metrics.fvu());
        assertEquals(ACTIVE, metrics.meanL0(), 0.5);
    }

    @Test
    void topKSaeRecoversPlantedDirectionsWithKLatents() {
        Sae sae = SaeTrainer.train(DATA, new SaeConfig(SaeKind.TOPK, 32, 0, ACTIVE, 40, 256, 3e-3, 1), Progress.NONE);

        assertEquals(SaeKind.TOPK, sae.kind());
        assertEquals(ACTIVE, sae.k());
        assertRecovers(sae, false);
        assertUnitDecoderColumns(sae);
        SaeMetrics metrics = SaeMetrics.evaluate(sae, DATA);
        assertTrue(metrics.fvu() < 0.1, "fvu " + metrics.fvu());
        assertEquals(ACTIVE, metrics.meanL0(), 0.5);
        assertTrue(metrics.meanL0() <= ACTIVE);
    }

    @Test
    void sameSeedGivesTheSameSae() {
        SaeConfig config = new SaeConfig(SaeKind.RELU, 16, 0.3, 0, 3, 1);
        Sae first = SaeTrainer.train(DATA, config, Progress.NONE);
        Sae second = SaeTrainer.train(DATA, config, Progress.NONE);
        Sae otherSeed = SaeTrainer.train(DATA, new SaeConfig(SaeKind.RELU, 16, 0.3, 0, 3, 2), Progress.NONE);

        assertArrayEquals(first.encoder(), second.encoder());
        assertArrayEquals(first.encoderBias(), second.encoderBias());
        assertArrayEquals(first.decoder(), second.decoder());
        assertArrayEquals(first.decoderBias(), second.decoderBias());
        assertEquals(first.inputScale(), second.inputScale());
        assertFalse(Arrays.deepEquals(first.decoder(), otherSeed.decoder()));
    }

    @Test
    void inputScaleNormalisesMeanSquaredNormToDimension() {
        float[][] scaled = new float[DATA.length][];
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] = DATA[i].clone();
            for (int j = 0; j < DIM; j++) {
                scaled[i][j] *= 10;
            }
        }
        SaeConfig config = new SaeConfig(SaeKind.RELU, 16, 0.3, 0, 1, 1);
        Sae sae = SaeTrainer.train(DATA, config, Progress.NONE);
        Sae scaledSae = SaeTrainer.train(scaled, config, Progress.NONE);

        double meanSq = Arrays.stream(DATA).mapToDouble(a -> Maths.dot(a, a)).average().orElseThrow();
        assertEquals(Math.sqrt(meanSq / DIM), sae.inputScale(), 1e-4 * sae.inputScale());
        assertEquals(10 * sae.inputScale(), scaledSae.inputScale(), 1e-3 * scaledSae.inputScale());
    }

    @Test
    void reportsProgressPerBatch() {
        List<String> updates = new ArrayList<>();
        SaeTrainer.train(Arrays.copyOf(DATA, 1000), new SaeConfig(SaeKind.LINEAR, 8, 0.1, 0, 2, 1),
                (phase, done, total, detail) -> updates.add(phase + " " + done + "/" + total + " " + detail));

        assertEquals(8, updates.size()); // 1000 rows in batches of 256: 4 per epoch
        assertTrue(updates.get(0).startsWith("sae epoch 1/2 1/4 loss "), updates.get(0));
        assertTrue(updates.get(7).matches("sae epoch 2/2 4/4 loss \\d+\\.\\d{4}, fvu \\d+\\.\\d{4}"), updates.get(7));
    }

    @Test
    void rejectsUnusableActivations() {
        SaeConfig config = new SaeConfig(SaeKind.RELU, 4, 0.1, 0, 1, 1);

        assertBadArgument(() -> SaeTrainer.train(new float[0][], config, Progress.NONE));
        assertBadArgument(() -> SaeTrainer.train(new float[][] {{1, 2}, {3}}, config, Progress.NONE));
        assertBadArgument(() -> SaeTrainer.train(new float[][] {{1, Float.NaN}}, config, Progress.NONE));
        assertBadArgument(() -> SaeTrainer.train(new float[3][5], config, Progress.NONE));
    }

    private static void assertBadArgument(Runnable training) {
        SalveException e = assertThrows(SalveException.class, training::run);
        assertEquals("BAD_ARGUMENT", e.code());
    }

    /** Every planted direction has a decoder column with cosine >= 0.95 (|cos| when signs are free). */
    private static void assertRecovers(Sae sae, boolean ignoreSign) {
        for (int f = 0; f < PLANTED; f++) {
            double best = -1;
            for (int l = 0; l < sae.latents(); l++) {
                double cos = Maths.dot(DIRECTIONS[f], sae.direction(l));
                best = Math.max(best, ignoreSign ? Math.abs(cos) : cos);
            }
            assertTrue(best >= 0.95, "planted direction " + f + " best cosine " + best);
        }
    }

    private static void assertUnitDecoderColumns(Sae sae) {
        for (int l = 0; l < sae.latents(); l++) {
            assertEquals(1.0, Maths.norm(sae.direction(l)), 1e-4, "decoder column " + l);
        }
    }
}
