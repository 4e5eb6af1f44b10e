package io.salve.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * A service whose serving replica pool stops on its own shuts itself down with a reason its launcher turns into exit
 * status 1; a pool stopped because its model was unloaded, or one that stops while its model loads, does not.
 */
class GuardianTest {

    @Test
    void aStoppedPoolShutsTheServiceDownAsAFailure() throws Exception {
        ActorSystem<Guardian.Command> system = ActorSystem.create(Guardian.create(), "guardian-test");
        TestProbe<ActorRef<ReplicaPool.Command>> started = TestProbe.create(system);
        // A pool that stops on its first message, as a pool does when its last replica stops.
        system.tell(new Guardian.StartPool("pool-a", Behaviors.receiveMessage(m -> Behaviors.stopped()),
                started.getRef()));
        ActorRef<ReplicaPool.Command> pool = started.receiveMessage();
        system.tell(new Guardian.Serving(pool));
        Thread.sleep(300);   // the guardian has taken Serving before the pool stops
        pool.tell(new ReplicaPool.GetStatus(TestProbe.<ReplicaPool.Status>create(system).getRef()));
        system.getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(Optional.of(ShutdownFailure.REPLICAS_STOPPED),
                CoordinatedShutdown.get(system).getShutdownReason());
    }

    @Test
    void aPoolThatStopsWhileItsModelLoadsFailsTheLoadNotTheService() {
        ActorSystem<Guardian.Command> system = ActorSystem.create(Guardian.create(), "guardian-load-test");
        try {
            TestProbe<ActorRef<ReplicaPool.Command>> started = TestProbe.create(system);
            system.tell(new Guardian.StartPool("pool-a", Behaviors.stopped(), started.getRef()));
            ActorRef<ReplicaPool.Command> pool = started.receiveMessage();
            started.expectTerminated(pool, Duration.ofSeconds(5));
            // The loader stops what it started; the pool is gone already.
            TestProbe<Done> stopped = TestProbe.create(system);
            system.tell(new Guardian.StopPool(pool, stopped.getRef()));
            stopped.expectMessage(Done.getInstance());
            assertFalse(system.whenTerminated().isCompleted());
        } finally {
            system.terminate();
        }
    }

    @Test
    void aPoolStoppedOnRequestLeavesTheServiceRunning() {
        ActorSystem<Guardian.Command> system = ActorSystem.create(Guardian.create(), "guardian-unload-test");
        try {
            TestProbe<ActorRef<ReplicaPool.Command>> started = TestProbe.create(system);
            system.tell(new Guardian.StartPool("pool-a", Behaviors.ignore(), started.getRef()));
            system.tell(new Guardian.StartPool("pool-b", Behaviors.ignore(), started.getRef()));
            ActorRef<ReplicaPool.Command> a = started.receiveMessage();
            started.receiveMessage();
            TestProbe<Done> stopped = TestProbe.create(system);
            system.tell(new Guardian.StopPool(a, stopped.getRef()));
            stopped.expectMessage(Done.getInstance());
            stopped.expectNoMessage(Duration.ofMillis(300));
            assertFalse(system.whenTerminated().isCompleted());
        } finally {
            system.terminate();
        }
    }
}
