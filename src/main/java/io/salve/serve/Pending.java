package io.salve.serve;

import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A request waiting for its result, and where the result goes: an actor ({@link ReplicaPool.Infer}) or a future
 * ({@link ReplicaPool.Submit}), both behind one callback that must be cheap and thread-safe.
 */
public record Pending(InferenceRequest request, Consumer<InferenceResult> reply) {

    public static Pending replyingTo(InferenceRequest request, ActorRef<InferenceResult> replyTo) {
        return new Pending(request, replyTo::tell);
    }
}
