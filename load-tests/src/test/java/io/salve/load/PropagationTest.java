package io.salve.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** From an edit call's answer to each replica's first result under that version (or a later one). */
class PropagationTest {

    static final long MS = 1_000_000;

    @Test
    void measuresEachReplicaFromTheAnswerToItsFirstResultAtTheVersionOrLater() {
        Propagation p = new Propagation();
        p.result("a", 2, 90 * MS);
        p.result("b", 2, 95 * MS);
        p.result("c", 2, 96 * MS);
        p.answered(3, 100 * MS);
        p.result("a", 2, 101 * MS);    // formed before the swap: not yet
        p.result("a", 3, 105 * MS);
        p.result("a", 3, 106 * MS);    // not the first
        p.result("b", 4, 120 * MS);    // b skipped 3: a later version counts
        p.answered(4, 118 * MS);
        p.result("a", 4, 117 * MS);    // before the API's answer arrived: no delay
        Propagation.Stats s = p.stats();
        // Call 3: a 5 ms, b 20 ms, c never; call 4: a 0 ms, b 2 ms, c never.
        assertEquals(4, s.count());
        assertEquals(2, s.notPropagated());
        assertEquals(2.0, s.p50Ms(), 1e-9);
        assertEquals(20.0, s.p99Ms(), 1e-9);
        assertEquals(20.0, s.maxMs(), 1e-9);
    }
}
