package io.salve.http;

import io.salve.core.SalveException;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.scaladsl.model.IllegalRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures under {@code /v2} as the Open Inference Protocol wants them: {@code {"error": "<message>"}}, where our
 * message starts with the stable code ({@code "BAD_SHAPE: ..."}) so that a protocol client that shows only the
 * message still shows it, and the code again as {@code "code"} so that a client can branch without parsing text.
 * The same failures {@link ApiErrors} handles for {@code /v1}, in this shape.
 */
final class ProtocolErrors extends AllDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(ProtocolErrors.class);

    /** HTTP status of the codes that are the protocol's own; the others as {@link ApiErrors#status} (else 500). */
    private static final Map<String, StatusCode> STATUS = Map.ofEntries(
            Map.entry("BAD_INPUT", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_SHAPE", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_DATATYPE", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_DATA", StatusCodes.BAD_REQUEST),
            Map.entry("NON_FINITE", StatusCodes.BAD_REQUEST),
            Map.entry("OUT_OF_RANGE", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_OUTPUT", StatusCodes.BAD_REQUEST),
            Map.entry("BINARY_UNSUPPORTED", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_PARAMETER", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_ARGUMENT", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_VERSION", StatusCodes.NOT_FOUND),
            Map.entry("MODEL_NOT_READY", StatusCodes.SERVICE_UNAVAILABLE));

    private static final WWWAuthenticate CHALLENGE = WWWAuthenticate.create(
            HttpChallenge.createOAuth2(BearerAuth.REALM));

    /** The protocol's error object, with our code beside its message. */
    private record ErrorBody(String error, String code) {
    }

    private final ApiErrors errors;

    ProtocolErrors(ApiErrors errors) {
        this.errors = errors;
    }

    static StatusCode status(String code) {
        StatusCode status = STATUS.get(code);
        return status != null ? status : ApiErrors.status(code);
    }

    /** A refusal to throw from a route, with the status of its code. */
    static ApiException refusal(String code, String message) {
        return new ApiException(status(code), code, message);
    }

    static HttpResponse response(StatusCode status, String code, String message) {
        HttpResponse response = HttpResponse.create().withStatus(status).withEntity(HttpEntities.create(
                ContentTypes.APPLICATION_JSON, Json.bytes(new ErrorBody(code + ": " + message, code))));
        return status.equals(StatusCodes.UNAUTHORIZED) ? response.addHeader(CHALLENGE) : response;
    }

    /** A failed future (of an inference, a load, an unload) as a response. */
    static HttpResponse failure(Throwable failure, String fallbackCode) {
        Throwable cause = ApiErrors.unwrap(failure);
        if (cause instanceof ApiException e) {
            return response(e.status, e.error.code(), e.error.message());
        }
        if (cause instanceof SalveException e) {
            return response(status(e.code()), e.code(), e.getMessage());
        }
        LOG.error("/v2 request failed", cause);
        return response(StatusCodes.INTERNAL_SERVER_ERROR, fallbackCode, String.valueOf(cause));
    }

    ExceptionHandler exceptions() {
        return ExceptionHandler.newBuilder().matchAny(thrown -> {
            Throwable cause = ApiErrors.unwrap(thrown);
            // A streamed body over the limit fails while it is read; Pekko reports that as a 400 "Request too large".
            if (cause instanceof EntityStreamSizeException || cause instanceof IllegalRequestException e
                    && (e.status().intValue() == 413 || e.info().summary().startsWith("Request too large"))) {
                cause = errors.tooLarge();
            } else if (cause instanceof IllegalRequestException e) {
                return complete(response(e.status(), "BAD_REQUEST", e.info().formatPretty()));
            }
            return complete(failure(cause, "INTERNAL_ERROR"));
        }).build();
    }

    /** Pekko's own rejections with the status (and headers, such as Allow) its default handler gives them. */
    static RejectionHandler rejections() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
            ApiError error = ApiErrors.rejection(response);
            // The default handler's own WWW-Authenticate is kept, not doubled.
            HttpResponse mapped = response(response.status(), error.code(), error.message());
            return mapped.removeHeader("WWW-Authenticate").addHeaders(response.getHeaders());
        });
    }
}
