package io.salve.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LatentSummaryTest {

    @Test
    void keepsTheKStrongestByMagnitudeInOrderWithTiesByIndex() {
        Random random = new Random(7);
        for (int trial = 0; trial < 500; trial++) {
            float[] z = new float[1 + random.nextInt(40)];
            for (int l = 0; l < z.length; l++) {
                // Few distinct values, so ties are common.
                z[l] = (random.nextInt(9) - 4) * 0.5f;
            }
            int k = random.nextInt(12);
            List<LatentSummary.Latent> expected = IntStream.range(0, z.length).boxed()
                    .sorted(Comparator.comparingDouble((Integer l) -> -Math.abs(z[l])))
                    .limit(k).map(l -> new LatentSummary.Latent(l, z[l])).toList();
            long firing = IntStream.range(0, z.length).filter(l -> Math.abs(z[l]) > 0.7).count();
            LatentSummary s = LatentSummary.of(z, k, 0.7);
            assertEquals(expected, s.top(), () -> java.util.Arrays.toString(z) + " k=" + k);
            assertEquals(firing, s.l0());
        }
    }
}
