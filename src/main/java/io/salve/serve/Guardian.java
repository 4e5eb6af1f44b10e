package io.salve.serve;

import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The actor system's root: owns the replica pool (which owns the replicas) and hands it to the edges; when the pool
 * stops, it shuts the service down with {@link ShutdownFailure#REPLICAS_STOPPED}.
 */
public final class Guardian {

    public sealed interface Command {
    }

    public record GetPool(ActorRef<ActorRef<ReplicaPool.Command>> replyTo) implements Command {
    }

    private Guardian() {
    }

    public static Behavior<Command> create(Behavior<ReplicaPool.Command> pool) {
        return Behaviors.setup(ctx -> {
            ActorRef<ReplicaPool.Command> ref = ctx.spawn(pool, "replica-pool");
            ctx.watch(ref);
            return Behaviors.receive(Command.class)
                    .onMessage(GetPool.class, get -> {
                        get.replyTo().tell(ref);
                        return Behaviors.same();
                    })
                    .onSignal(Terminated.class, stopped -> {
                        // A service that cannot infer stops rather than take requests it will never answer.
                        ctx.getLog().error("the replica pool stopped: shutting the service down");
                        CoordinatedShutdown.get(ctx.getSystem()).runAll(ShutdownFailure.REPLICAS_STOPPED);
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
