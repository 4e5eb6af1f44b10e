package io.salve.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BookkeepingTest {

    private static final long MS = 1_000_000;

    @Test
    void countsLostFailedDuplicatesAndVersions() {
        Bookkeeping book = new Bookkeeping("lt-x-0-", 0);
        for (int n = 0; n < 5; n++) {
            book.sent("lt-x-0-" + n, n * MS);
        }
        assertTrue(book.answered("lt-x-0-0", 10 * MS, null, 0L));
        assertTrue(book.answered("lt-x-0-1", 11 * MS, null, 1L));
        assertTrue(book.answered("lt-x-0-2", 12 * MS, "BAD_JSON", null));
        assertFalse(book.answered("lt-x-0-1", 13 * MS, null, 1L), "a second answer is a duplicate");
        assertFalse(book.answered("lt-x-0-99", 13 * MS, null, 1L), "never sent");
        assertTrue(book.sendFailed("lt-x-0-3"));
        assertFalse(book.ours("lt-y-0-1"));

        Measurement m = book.finish(20 * MS);

        assertEquals(5, m.sent());
        assertEquals(3, m.answered());
        assertEquals(2, m.failed(), "one error result, one send the producer gave up on");
        assertEquals(1, m.lost());
        assertEquals(List.of("lt-x-0-4"), m.lostIds());
        assertEquals(1, m.duplicates());
        assertEquals(Map.of("BAD_JSON", 1L, Bookkeeping.SEND_FAILED, 1L), m.errors());
        assertEquals(Map.of("0", 1L, "1", 1L), m.editVersions());
    }

    @Test
    void aMarkSeparatesAnswersBeforeAFaultFromRepeatsAfterIt() {
        Bookkeeping book = new Bookkeeping("c-", 0);
        for (int n = 0; n < 3; n++) {
            book.sent("c-" + n, n * MS);
        }
        book.answered("c-0", 10 * MS, null, 0L);
        book.answered("c-1", 11 * MS, null, 0L);
        book.mark(20 * MS);   // the restarted service about to start
        assertTrue(book.firstAnswerSinceMark().isEmpty());

        book.answered("c-1", 30 * MS, null, 0L);   // answered before the stop, again after the restart
        book.answered("c-2", 31 * MS, null, 0L);   // in flight at the stop: answered once, after
        book.answered("c-2", 32 * MS, null, 0L);   // a duplicate, but not of an answer from before the stop

        assertEquals(30 * MS, book.firstAnswerSinceMark().getAsLong());
        assertEquals(1, book.reanswered());
        assertEquals(2, book.finish(40 * MS).duplicates());
    }

    @Test
    void percentilesAndThroughput() {
        Bookkeeping book = new Bookkeeping("p-", 0);
        // 1000 requests, one per ms; request n answered (n % 100 + 1) ms later.
        for (int n = 0; n < 1000; n++) {
            book.sent("p-" + n, n * MS);
            book.answered("p-" + n, n * MS + (n % 100 + 1) * MS, null, 0L);
        }
        Measurement m = book.finish(2000 * MS);
        assertEquals(50, m.p50Ms(), 0.1);
        assertEquals(90, m.p90Ms(), 0.1);
        assertEquals(99, m.p99Ms(), 0.1);
        assertEquals(100, m.maxMs(), 0.1);
        // Last answer at 999 + 100 ms: 1000 answers in 1.099 s.
        assertEquals(1000 / 1.099, m.throughput(), 0.01);
        assertEquals(0, m.lost());
    }

    @Test
    void timelineRatesPerInterval() {
        Bookkeeping book = new Bookkeeping("t-", 0);
        for (int n = 0; n < 10; n++) {
            book.sent("t-" + n, n * 100 * MS);
        }
        for (int n = 0; n < 4; n++) {
            book.answered("t-" + n, n * 100 * MS + 5 * MS, null, 0L);
        }
        TimelinePoint first = book.tick(500 * MS);
        assertEquals(20, first.sentPerSecond(), 1e-9);
        assertEquals(8, first.answeredPerSecond(), 1e-9);
        assertEquals(5, first.p99Ms(), 0.01);
        TimelinePoint second = book.tick(1000 * MS);
        assertEquals(0, second.answeredPerSecond(), 1e-9);
        assertTrue(Double.isNaN(second.p50Ms()), "no answers in the interval");
    }

    @Test
    void durations() {
        LoadTest.DurationConverter c = new LoadTest.DurationConverter();
        assertEquals(Duration.ofMillis(500), c.convert("500ms"));
        assertEquals(Duration.ofSeconds(30), c.convert("30s"));
        assertEquals(Duration.ofMinutes(10), c.convert("10m"));
        assertEquals(Duration.ofSeconds(5), c.convert("5"));
    }

    @Test
    void splitsTheLatencyIntoTheServicesPartAndTheWaysThereAndBack() {
        long before = System.currentTimeMillis();
        Bookkeeping book = new Bookkeeping("s-", 0);
        long after = System.currentTimeMillis();
        for (int n = 0; n < 10; n++) {
            book.sent("s-" + n, 0);
            // The service produced the result 30 ms after the request was due, 12 ms of it its own; 5 ms back.
            book.answered("s-" + n, 35 * MS, null, 0L, new Bookkeeping.Timing(after + 30, 12.0, 4.0, after + 35));
        }
        Measurement m = book.finish(40 * MS);
        Measurement.Stage toResult = m.stages().get(Bookkeeping.STAGE_TO_RESULT);
        assertTrue(toResult.p50Ms() >= 30 - 0.1 && toResult.p50Ms() <= 30 + (after - before) + 0.1, toResult.toString());
        assertEquals(12.0, m.stages().get(Bookkeeping.STAGE_IN_SERVICE).p50Ms(), 0.05);
        assertEquals(4.0, m.stages().get(Bookkeeping.STAGE_MODEL).p50Ms(), 0.05);
        assertEquals(5.0, m.stages().get(Bookkeeping.STAGE_RESULT_HOP).p99Ms(), 0.05);
    }
}
