package io.salve.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** A service whose replica pool stops shuts itself down with a reason its launcher turns into exit status 1. */
class GuardianTest {

    @Test
    void aStoppedPoolShutsTheServiceDownAsAFailure() throws Exception {
        ActorSystem<Guardian.Command> system = ActorSystem.create(Guardian.create(Behaviors.stopped()), "guardian-test");
        system.getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(Optional.of(ShutdownFailure.REPLICAS_STOPPED),
                CoordinatedShutdown.get(system).getShutdownReason());
    }
}
