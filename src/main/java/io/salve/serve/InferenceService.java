package io.salve.serve;

import java.util.concurrent.CompletionStage;

/**
 * The one way into the serving domain: a decoded request in, its result out. The Kafka stream and the operator API
 * both call it; the composition root builds it over the replica pool. Callers bound the wait themselves (the
 * stream's request timeout, the API's infer timeout).
 */
@FunctionalInterface
public interface InferenceService {

    CompletionStage<InferenceResult> infer(InferenceRequest request);
}
