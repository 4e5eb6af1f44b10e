package io.salve.wire;

import io.salve.serve.InferenceRequest;

/** Turns a request payload (a Kafka record value or an HTTP body) into a validated request for its model. */
public interface RequestDecoder {

    /**
     * @param json          the raw payload (UTF-8 JSON); null is treated as empty
     * @param receivedNanos {@link System#nanoTime()} when the edge received it
     * @throws RequestCodec.BadRequest when the payload is not a valid request, with a stable code
     */
    InferenceRequest decode(byte[] json, long receivedNanos) throws RequestCodec.BadRequest;
}
