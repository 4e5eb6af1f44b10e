package io.salve.serve;

import org.apache.pekko.actor.typed.ActorRef;

/** A request waiting for its result, and where the result goes. */
public record Pending(InferenceRequest request, ActorRef<InferenceResult> replyTo) {
}
