package io.salve.http;

import java.time.Duration;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** Request bodies, at most {@code salve.api.max-body-bytes} (413 TOO_LARGE beyond). */
final class RequestBodies extends AllDirectives {

    /** How long a request body may take to arrive. */
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);

    private final long maxBytes;
    private final ApiErrors errors;

    RequestBodies(long maxBytes, ApiErrors errors) {
        this.maxBytes = maxBytes;
        this.errors = errors;
    }

    Route bytes(Function<byte[], Route> inner) {
        return extractRequestEntity(entity -> {
            // A declared length is checked before reading anything; a streamed body fails while it is read.
            if (entity.getContentLengthOption().orElse(0) > maxBytes) {
                return failWith(errors.tooLarge());
            }
            return extractStrictEntity(BODY_TIMEOUT, maxBytes, strict -> inner.apply(strict.getData().toArray()));
        });
    }

    /** The body as {@code type}, read by {@link Json#parse}. */
    <T> Route json(Class<T> type, Function<T, Route> inner) {
        return bytes(bytes -> inner.apply(Json.parse(bytes, type)));
    }
}
