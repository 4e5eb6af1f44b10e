package io.salve.serve;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The actor system's root: owns the replica pool (which owns the replicas) and hands it to the edges. */
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
            return Behaviors.receive(Command.class)
                    .onMessage(GetPool.class, get -> {
                        get.replyTo().tell(ref);
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
