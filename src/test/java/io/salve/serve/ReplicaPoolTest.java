package io.salve.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.salve.core.Head;
import io.salve.core.edit.EditSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The pool and its replicas with a scripted model: batching, routing, version purity, failures. */
class ReplicaPoolTest {

    static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.parseString(
            "salve.replica-dispatcher { type = PinnedDispatcher, executor = thread-pool-executor }"));
    static final List<String> CLASSES = List.of("zero", "one", "two");

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    /** Predicts class = round(pixels[0]) mod 3; fails on pixel value -1 (poison) or while {@code failures} > 0. */
    static class ScriptedModel implements BatchModel {
        final List<List<Long>> versionsPerBatch;
        final List<Integer> batchSizes;
        final AtomicInteger failures;

        ScriptedModel(List<List<Long>> versions, List<Integer> sizes, AtomicInteger failures) {
            this.versionsPerBatch = versions;
            this.batchSizes = sizes;
            this.failures = failures;
        }

        @Override
        public List<Output> run(List<float[]> pixels, ServingHead head) {
            if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("injected replica failure");
            }
            List<Output> out = new ArrayList<>();
            List<Long> versions = new ArrayList<>();
            for (float[] p : pixels) {
                if (p[0] < 0) {
                    throw new IllegalStateException("poison pixel");
                }
                int cls = Math.round(p[0]) % 3;
                float[] prob = new float[3];
                prob[cls] = 1;
                out.add(new Output(cls, prob, p, null));
                versions.add(head.version());
            }
            batchSizes.add(pixels.size());
            versionsPerBatch.add(versions);
            return out;
        }

        @Override
        public void close() {
        }
    }

    record Fixture(ActorRef<ReplicaPool.Command> pool, List<List<Long>> versions, List<Integer> sizes,
                   AtomicInteger failures, Map<String, AtomicInteger> loads) {
    }

    static Fixture pool(int replicas, int maxBatch, Duration maxDelay) {
        List<List<Long>> versions = new CopyOnWriteArrayList<>();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();
        List<ReplicaPool.ReplicaSpec> specs = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            String name = "r" + i;
            specs.add(new ReplicaPool.ReplicaSpec(name, "cpu", () -> {
                loads.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                return new ScriptedModel(versions, sizes, failures);
            }));
        }
        Head head = new Head(new float[][] {{1}, {1}, {1}}, new float[3]);
        ActorRef<ReplicaPool.Command> pool = KIT.spawn(ReplicaPool.create(specs, CLASSES, ServingHead.unedited(head),
                new ReplicaPool.Settings(maxBatch, maxDelay, 2, 3, "salve.replica-dispatcher")));
        return new Fixture(pool, versions, sizes, failures, loads);
    }

    static InferenceRequest request(String id, float value) {
        return new InferenceRequest(id, "m", new float[] {value}, null, System.nanoTime());
    }

    static Map<String, InferenceResult> collect(TestProbe<InferenceResult> probe, int n) {
        Map<String, InferenceResult> results = new HashMap<>();
        for (int i = 0; i < n; i++) {
            InferenceResult r = probe.receiveMessage(Duration.ofSeconds(10));
            assertNull(results.put(r.id(), r), "one result per request: " + r.id());
        }
        probe.expectNoMessage(Duration.ofMillis(100));
        return results;
    }

    @Test
    void batchesCloseAtMaxBatchAndAnswerEveryRequest() {
        Fixture f = pool(1, 8, Duration.ofSeconds(5));
        TestProbe<InferenceResult> probe = KIT.createTestProbe();
        for (int i = 0; i < 32; i++) {
            f.pool().tell(new ReplicaPool.Infer(request("q" + i, i), probe.getRef()));
        }
        Map<String, InferenceResult> results = collect(probe, 32);
        assertEquals(List.of(8, 8, 8, 8), f.sizes(), "a long max-delay means batches close by size");
        for (int i = 0; i < 32; i++) {
            InferenceResult r = results.get("q" + i);
            assertEquals(i % 3, r.prediction());
            assertEquals(CLASSES.get(i % 3), r.className());
            assertTrue(r.timings().totalMs() >= r.timings().modelMs());
        }
    }

    @Test
    void aPartialBatchClosesAfterMaxDelay() {
        Fixture f = pool(1, 64, Duration.ofMillis(20));
        TestProbe<InferenceResult> probe = KIT.createTestProbe();
        for (int i = 0; i < 5; i++) {
            f.pool().tell(new ReplicaPool.Infer(request("d" + i, 1), probe.getRef()));
        }
        collect(probe, 5);
        assertEquals(List.of(5), f.sizes());
    }

    @Test
    void anIdleReplicaStartsALoneRequestAtOnceAndABatchFormsWhileItIsBusy() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BatchModel gated = new ScriptedModel(new CopyOnWriteArrayList<>(), sizes, new AtomicInteger()) {
            @Override
            public List<Output> run(List<float[]> pixels, ServingHead head) {
                if (running.getCount() > 0) {
                    running.countDown();
                    await(release);
                }
                return super.run(pixels, head);
            }
        };
        Head head = new Head(new float[][] {{1}, {1}, {1}}, new float[3]);
        // A max-delay of a minute would hold the lone request that long if batches waited for it with a replica idle.
        ActorRef<ReplicaPool.Command> pool = KIT.spawn(ReplicaPool.create(
                List.of(new ReplicaPool.ReplicaSpec("r0", "cpu", () -> gated)), CLASSES, ServingHead.unedited(head),
                new ReplicaPool.Settings(16, Duration.ZERO, 2, 3, "salve.replica-dispatcher")));
        TestProbe<InferenceResult> probe = KIT.createTestProbe();
        pool.tell(new ReplicaPool.Infer(request("alone", 1), probe.getRef()));
        assertTrue(running.await(10, TimeUnit.SECONDS), "the lone request started without waiting for company");
        for (int i = 0; i < 5; i++) {
            pool.tell(new ReplicaPool.Infer(request("w" + i, i), probe.getRef()));
        }
        // The five wait in the pool (not in the busy replica's mailbox), then start together when it is free.
        TestProbe<ReplicaPool.Status> status = KIT.createTestProbe();
        status.awaitAssert(Duration.ofSeconds(5), () -> {
            pool.tell(new ReplicaPool.GetStatus(status.getRef()));
            assertEquals(5, status.receiveMessage().buffered());
            return null;
        });
        release.countDown();
        collect(probe, 6);
        assertEquals(List.of(1, 5), sizes);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aHeadSwapNeverMixesVersionsWithinABatch() {
        Fixture f = pool(2, 16, Duration.ofMillis(5));
        TestProbe<InferenceResult> probe = KIT.createTestProbe();
        TestProbe<Long> ack = KIT.createTestProbe();
        Head head = new Head(new float[][] {{1}, {1}, {1}}, new float[3]);
        int total = 0;
        for (long version = 1; version <= 20; version++) {
            for (int i = 0; i < 7; i++) {
                f.pool().tell(new ReplicaPool.Infer(request("v" + version + "-" + i, i), probe.getRef()));
                total++;
            }
            f.pool().tell(new ReplicaPool.SwapHead(new ServingHead(head, version, EditSet.EMPTY, head), ack.getRef()));
        }
        Map<String, InferenceResult> results = collect(probe, total);
        for (List<Long> batch : f.versions()) {
            assertEquals(1, new HashSet<>(batch).size(), "one version per batch: " + batch);
        }
        // Requests sent before swap to version v were formed under version v-1.
        results.forEach((id, r) -> assertEquals(Long.parseLong(id.substring(1, id.indexOf('-'))) - 1, r.editVersion()));
    }

    @Test
    void aFailedBatchIsRetriedWithoutReloadingTheModelAndLosesNothing() {
        Fixture f = pool(1, 10, Duration.ofMillis(5));
        f.failures().set(1);
        TestProbe<InferenceResult> probe = KIT.createTestProbe();
        for (int i = 0; i < 30; i++) {
            f.pool().tell(new ReplicaPool.Infer(request("f" + i, i), probe.getRef()));
        }
        Map<String, InferenceResult> results = collect(probe, 30);
        results.values().forEach(r -> assertNull(r.error(), "retried, not failed: " + r));
        assertEquals(1, f.loads().get("r0").get(), "one failure is no reason to load the model again");
    }

    @Test
    void aModelThatKeepsFailingIsLoadedAgainAndStillLosesNothing() {
        Fixture f = pool(1, 10, Duration.ofMillis(5));
        // max-attempts 3: five failed runs in a row (the batch, then four of its requests alone) mean a broken model.
        f.failures().set(6);
        TestProbe<InferenceResult> probe = KIT.createTestProbe();
        for (int i = 0; i < 10; i++) {
            f.pool().tell(new ReplicaPool.Infer(request("b" + i, i), probe.getRef()));
        }
        Map<String, InferenceResult> results = collect(probe, 10);
        results.values().forEach(r -> assertNull(r.error(), "retried after the reload, not failed: " + r));
        assertEquals(2, f.loads().get("r0").get(), "the replica was restarted (its model loaded again)");
    }

    @Test
    void poisonRequestsFailAloneTheirBatchMatesSucceedAndTheModelStaysLoaded() {
        Fixture f = pool(1, 10, Duration.ofMillis(50));
        TestProbe<InferenceResult> probe = KIT.createTestProbe();
        Set<String> poison = Set.of("p4", "p13", "p17", "p25");
        for (int i = 0; i < 30; i++) {
            f.pool().tell(new ReplicaPool.Infer(request("p" + i, poison.contains("p" + i) ? -1 : i), probe.getRef()));
        }
        Map<String, InferenceResult> results = collect(probe, 30);
        results.forEach((id, r) -> {
            if (poison.contains(id)) {
                assertEquals("INFERENCE_FAILED", r.error().code(), id);
            } else {
                assertNull(r.error(), id);
            }
        });
        assertEquals(1, f.loads().get("r0").get(), "poison is not a broken model: no reload");
    }

    @Test
    void aPoolWhoseLastReplicaCannotLoadItsModelStops() {
        List<ReplicaPool.ReplicaSpec> specs = List.of(new ReplicaPool.ReplicaSpec("broken", "cpu", () -> {
            throw new IllegalStateException("cannot load the model");
        }));
        Head head = new Head(new float[][] {{1}, {1}, {1}}, new float[3]);
        ActorRef<ReplicaPool.Command> pool = KIT.spawn(ReplicaPool.create(specs, CLASSES, ServingHead.unedited(head),
                new ReplicaPool.Settings(4, Duration.ofMillis(5), 2, 3, "salve.replica-dispatcher")));
        TestProbe<InferenceResult> probe = KIT.createTestProbe();
        pool.tell(new ReplicaPool.Infer(request("never", 1), probe.getRef()));
        probe.expectTerminated(pool, Duration.ofSeconds(20));
    }

    @Test
    void batchesSpreadOverReplicas() {
        Fixture f = pool(2, 4, Duration.ofMillis(5));
        TestProbe<InferenceResult> probe = KIT.createTestProbe();
        // Both loaded first: a replica still loading its model rightly gets nothing, and the scripted one is instant.
        TestProbe<ReplicaPool.Status> status = KIT.createTestProbe();
        status.awaitAssert(Duration.ofSeconds(10), () -> {
            f.pool().tell(new ReplicaPool.GetStatus(status.getRef()));
            assertTrue(status.receiveMessage().allReady());
            return null;
        });
        for (int i = 0; i < 64; i++) {
            f.pool().tell(new ReplicaPool.Infer(request("s" + i, i), probe.getRef()));
        }
        Map<String, InferenceResult> results = collect(probe, 64);
        Set<String> replicas = new HashSet<>();
        results.values().forEach(r -> replicas.add(r.replica()));
        assertEquals(Set.of("r0", "r1"), replicas);
    }
}
