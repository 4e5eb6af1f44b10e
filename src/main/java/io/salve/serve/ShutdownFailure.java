package io.salve.serve;

import org.apache.pekko.actor.CoordinatedShutdown;

/** Why the service stopped itself, for a supervisor to restart it: {@code salve serve} then exits with status 1. */
public enum ShutdownFailure implements CoordinatedShutdown.Reason {
    /** The replica pool stopped: no replica could load or run its model. */
    REPLICAS_STOPPED,
    /** The request stream failed (e.g. the broker stayed away longer than an offset commit may wait). */
    REQUEST_STREAM_FAILED
}
