package io.salve.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.edit.Fixtures;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.edits.ActiveEdit;
import io.salve.edits.EditState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Edit states become heads in the pool: off the actor, newest wins, versions only go up, swap times reported. */
class HeadSwapperTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final Head BASE = new Head(new float[][] {{1, 0}, {0, 1}}, new float[2]);

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    static EditState state(long version) {
        Edit edit = new Edit(0, EditMethod.PROJECTION, Direction.SUPPRESS, 1.0, List.of());
        return new EditState(version, List.of(new ActiveEdit("e" + version, edit, "ops", "test", Instant.now(),
                version)), "");
    }

    static ServingHead head(EditState s) {
        return new ServingHead(BASE, s.version(), s.editSet(), BASE);
    }

    @Test
    void statesArrivingDuringAComputationCollapseIntoTheNewestAndVersionsNeverGoDown() throws Exception {
        TestProbe<ReplicaPool.Command> pool = KIT.createTestProbe();
        AtomicReference<ActorRef<EditState>> subscriber = new AtomicReference<>();
        CountDownLatch release = new CountDownLatch(1);
        List<Long> computed = new CopyOnWriteArrayList<>();
        AtomicLong blockedNanos = new AtomicLong();
        List<Duration> swapTimes = new CopyOnWriteArrayList<>();
        KIT.spawn(HeadSwapper.create(pool.getRef(), 0, subscriber::set, s -> {
            computed.add(s.version());
            if (s.version() == 1) {
                long start = System.nanoTime();
                await(release);
                blockedNanos.set(System.nanoTime() - start);
            }
            return head(s);
        }, h -> h, Executors.newSingleThreadExecutor(), swapTimes::add));
        subscribed(pool, subscriber).tell(state(1));
        // While version 1 is being built, 2..5 arrive (queued before the build can end); only 5 needs building after.
        pool.awaitAssert(() -> {
            assertEquals(List.of(1L), computed);
            return null;
        });
        for (long v = 2; v <= 5; v++) {
            subscriber.get().tell(state(v));
        }
        release.countDown();

        List<Long> swapped = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ReplicaPool.SwapHead swap = pool.expectMessageClass(ReplicaPool.SwapHead.class);
            swapped.add(swap.head().version());
            assertEquals(1, swap.head().edits().edits().size(), "the head carries the edits it was built from");
            swap.ack().tell(swap.head().version());
        }
        assertEquals(List.of(1L, 5L), swapped);
        assertEquals(List.of(1L, 5L), computed);
        pool.awaitAssert(() -> {
            assertEquals(2, swapTimes.size(), "one swap time per acknowledged swap");
            return null;
        });
        // Version 1's swap includes the time its build was held; the two acknowledgements may be recorded in either
        // order (they come back through different ask adapters).
        assertTrue(Collections.max(swapTimes).toNanos() >= blockedNanos.get(),
                "includes the time spent building the head: " + swapTimes + " vs " + blockedNanos.get() + " ns");

        // Stale and repeated states change nothing.
        subscriber.get().tell(state(3));
        subscriber.get().tell(state(5));
        pool.expectNoMessage(Duration.ofMillis(200));
        assertEquals(2, swapTimes.size());
    }

    @Test
    void aFailedComputationKeepsServingAndTheNextChangeStillSwaps() throws Exception {
        TestProbe<ReplicaPool.Command> pool = KIT.createTestProbe();
        AtomicReference<ActorRef<EditState>> subscriber = new AtomicReference<>();
        KIT.spawn(HeadSwapper.create(pool.getRef(), 0, subscriber::set, s -> {
            if (s.version() == 1) {
                throw new IllegalStateException("out of memory, say");
            }
            return head(s);
        }, h -> h, Executors.newSingleThreadExecutor(), d -> { }));
        subscribed(pool, subscriber).tell(state(1));
        pool.expectNoMessage(Duration.ofMillis(200));
        subscriber.get().tell(state(2));
        assertEquals(2, pool.expectMessageClass(ReplicaPool.SwapHead.class).head().version());
    }

    @Test
    void anEditIsServedBeforeItsDriftReferencesAreBuiltAndThenWithThem() throws Exception {
        Random rng = new Random(5);
        Head base = Fixtures.randomHead(rng, 3, 6);
        Sae sae = Fixtures.randomSae(rng, SaeKind.RELU, 6, 4);
        float[][] heldOut = Fixtures.randomActs(rng, 200, 6, true);
        TestProbe<ReplicaPool.Command> pool = KIT.createTestProbe();
        AtomicReference<ActorRef<EditState>> subscriber = new AtomicReference<>();
        CountDownLatch release = new CountDownLatch(1);
        KIT.spawn(HeadSwapper.create(pool.getRef(), 0, subscriber::set,
                s -> ServingHead.of(base, sae, s.editSet(), s.version()), h -> {
                    await(release);   // references that take their time
                    return h.withReferences(heldOut);
                }, Executors.newFixedThreadPool(2), d -> { }));
        subscribed(pool, subscriber).tell(state(1));

        ReplicaPool.SwapHead first = pool.expectMessageClass(ReplicaPool.SwapHead.class);
        first.ack().tell(1L);
        assertEquals(1, first.head().version());
        assertFalse(first.head().referencesReady(), "served at once, without waiting for the references");
        pool.expectNoMessage(Duration.ofMillis(100));

        release.countDown();
        ReplicaPool.SwapHead second = pool.expectMessageClass(ReplicaPool.SwapHead.class);
        assertEquals(1, second.head().version(), "the same version");
        assertTrue(second.head().referencesReady());
        assertSame(first.head().head(), second.head().head(), "the same served head");
        assertEquals(heldOut.length, java.util.Arrays.stream(second.head().suppressions().get(0).reference())
                .mapToInt(r -> r.length).sum(), "every held-out sample in the reference");
    }

    @Test
    void withDiagnosticsOffNoReferenceIsBuiltAndEachVersionIsSwappedOnce() throws Exception {
        Random rng = new Random(6);
        Head base = Fixtures.randomHead(rng, 3, 6);
        Sae sae = Fixtures.randomSae(rng, SaeKind.RELU, 6, 4);
        TestProbe<ReplicaPool.Command> pool = KIT.createTestProbe();
        AtomicReference<ActorRef<EditState>> subscriber = new AtomicReference<>();
        KIT.spawn(HeadSwapper.create(pool.getRef(), 0, subscriber::set,
                s -> ServingHead.of(base, sae, s.editSet(), s.version()), null, Executors.newFixedThreadPool(2),
                d -> { }));
        subscribed(pool, subscriber).tell(state(1));

        ReplicaPool.SwapHead swap = pool.expectMessageClass(ReplicaPool.SwapHead.class);
        swap.ack().tell(1L);
        assertFalse(swap.head().referencesReady());
        pool.expectNoMessage(Duration.ofMillis(300));
    }

    /** The swapper's subscription, once it has subscribed. */
    private static ActorRef<EditState> subscribed(TestProbe<?> probe, AtomicReference<ActorRef<EditState>> subscriber) {
        return probe.awaitAssert(() -> {
            assertNotNull(subscriber.get(), "subscribed");
            return subscriber.get();
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
