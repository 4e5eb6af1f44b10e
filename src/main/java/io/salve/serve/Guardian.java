package io.salve.serve;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The actor system's root: owns the replica pools, one per served model version (each owns its replicas), started
 * and stopped as models are loaded and unloaded. A serving pool that stops without being asked to shuts the service
 * down with {@link ShutdownFailure#REPLICAS_STOPPED}; one that stops while its model is still loading (a bundle its
 * replicas cannot load) fails that load, not the service.
 */
public final class Guardian {

    public sealed interface Command {
    }

    /** Starts a pool as a child named {@code name} (unique per model version); replies with its ref. */
    public record StartPool(String name, Behavior<ReplicaPool.Command> pool,
                            ActorRef<ActorRef<ReplicaPool.Command>> replyTo) implements Command {
    }

    /** The pool's model is loaded and takes requests: from now on its stopping would leave requests unanswered. */
    public record Serving(ActorRef<ReplicaPool.Command> pool) implements Command {
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
            Set<ActorRef<ReplicaPool.Command>> serving = new HashSet<>();
            return Behaviors.receive(Command.class)
                    .onMessage(StartPool.class, start -> {
                        ActorRef<ReplicaPool.Command> pool = ctx.spawn(start.pool(), start.name());
                        ctx.watchWith(pool, new PoolStopped(pool));
                        start.replyTo().tell(pool);
                        return Behaviors.same();
                    })
                    .onMessage(Serving.class, started -> {
                        serving.add(started.pool());
                        return Behaviors.same();
                    })
                    .onMessage(StopPool.class, stop -> {
                        if (ctx.getChild(stop.pool().path().name()).isEmpty()) {
                            stop.replyTo().tell(Done.getInstance());   // it stopped already, while loading
                        } else {
                            stopping.put(stop.pool(), stop.replyTo());
                            ctx.stop(stop.pool());
                        }
                        return Behaviors.same();
                    })
                    .onMessage(PoolStopped.class, stopped -> {
                        ActorRef<Done> asked = stopping.remove(stopped.pool());
                        boolean wasServing = serving.remove(stopped.pool());
                        if (asked != null) {
                            asked.tell(Done.getInstance());
                        } else if (!wasServing) {
                            ctx.getLog().warn("replica pool {} stopped while its model was loading",
                                    stopped.pool().path().name());
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
