package io.salve.serve;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The actor system's root: owns the replica pools, one per served model version (each owns its replicas), started
 * and stopped as models are loaded and unloaded. A pool that stops without being asked to shuts the service down
 * with {@link ShutdownFailure#REPLICAS_STOPPED}.
 */
public final class Guardian {

    public sealed interface Command {
    }

    /** Starts a pool as a child named {@code name} (unique per model version); replies with its ref. */
    public record StartPool(String name, Behavior<ReplicaPool.Command> pool,
                            ActorRef<ActorRef<ReplicaPool.Command>> replyTo) implements Command {
    }

    /** Stops a pool whose model is being unloaded (nothing may wait in it any more); replies once it has stopped. */
    public record StopPool(ActorRef<ReplicaPool.Command> pool, ActorRef<Done> replyTo) implements Command {
    }

    private record PoolStopped(ActorRef<ReplicaPool.Command> pool) implements Command {
    }

    private Guardian() {
    }

    public static Behavior<Command> create() {
        return Behaviors.setup(ctx -> {
            Map<ActorRef<ReplicaPool.Command>, ActorRef<Done>> stopping = new HashMap<>();
            return Behaviors.receive(Command.class)
                    .onMessage(StartPool.class, start -> {
                        ActorRef<ReplicaPool.Command> pool = ctx.spawn(start.pool(), start.name());
                        ctx.watchWith(pool, new PoolStopped(pool));
                        start.replyTo().tell(pool);
                        return Behaviors.same();
                    })
                    .onMessage(StopPool.class, stop -> {
                        stopping.put(stop.pool(), stop.replyTo());
                        ctx.stop(stop.pool());
                        return Behaviors.same();
                    })
                    .onMessage(PoolStopped.class, stopped -> {
                        ActorRef<Done> asked = stopping.remove(stopped.pool());
                        if (asked != null) {
                            asked.tell(Done.getInstance());
                        } else {
                            // A model that cannot infer takes requests it will never answer: stop, so that a
                            // supervisor restarts the service (unanswered requests are not committed).
                            ctx.getLog().error("replica pool {} stopped: shutting the service down",
                                    stopped.pool().path().name());
                            CoordinatedShutdown.get(ctx.getSystem()).runAll(ShutdownFailure.REPLICAS_STOPPED);
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
