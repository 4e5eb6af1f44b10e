package io.salve.kafka;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ObservationRecordsTest {

    @Test
    void sampleRateKeepsThatFractionOfIdsAndTheSameIdAlwaysTheSameWay() {
        long kept = IntStream.range(0, 20000).filter(n -> ObservationRecords.sampled("img-" + n, 0.25)).count();
        assertEquals(0.25, kept / 20000.0, 0.02);
        assertEquals(0, IntStream.range(0, 1000).filter(n -> ObservationRecords.sampled("x" + n, 0)).count());
        for (int n = 0; n < 100; n++) {
            assertEquals(ObservationRecords.sampled("id-" + n, 0.5), ObservationRecords.sampled("id-" + n, 0.5));
        }
    }
}
