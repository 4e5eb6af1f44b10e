package io.salve.http;

import io.salve.core.SalveException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.scaladsl.model.IllegalRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP responses: thrown {@link ApiException}s and {@link SalveException}s,
 * bodies over the limit, and Pekko's own rejections (unknown path, wrong method, missing credentials, ...), all as
 * {@code {"error": {"code", "message"}}}.
 */
final class ApiErrors extends AllDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    /**
     * HTTP status of each error code. Unlisted codes are 500. UNKNOWN_FEATURE is 400 in an edit body but 404 as a
     * path segment ({@code /v1/features/{index}}), which the feature routes say explicitly.
     */
    private static final Map<String, StatusCode> STATUS = Map.ofEntries(
            Map.entry("BAD_JSON", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_REQUEST", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_METHOD", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_DIRECTION", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_ALPHA", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_CLASS", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_FEATURE", StatusCodes.BAD_REQUEST),
            Map.entry("DEAD_FEATURE", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_TARGET", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_MAX_FEATURES", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_TOLERANCE", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_ROWS", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_SELECTION", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_LIMIT", StatusCodes.BAD_REQUEST),
            Map.entry("TOO_MANY_EDITS", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_AFTER", StatusCodes.BAD_REQUEST),
            Map.entry("UNAUTHORIZED", StatusCodes.UNAUTHORIZED),
            Map.entry("FORBIDDEN", StatusCodes.FORBIDDEN),
            Map.entry("NOT_FOUND", StatusCodes.NOT_FOUND),
            Map.entry("UNKNOWN_MODEL", StatusCodes.NOT_FOUND),
            Map.entry("BAD_FIELD", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_MODEL_NAME", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_MODEL_PATH", StatusCodes.BAD_REQUEST),
            Map.entry("BUNDLE_NOT_FOUND", StatusCodes.NOT_FOUND),
            Map.entry("NO_REPOSITORY", StatusCodes.CONFLICT),
            Map.entry("MODEL_BUSY", StatusCodes.CONFLICT),
            Map.entry("BUNDLE_CORRUPT", StatusCodes.CONFLICT),
            Map.entry("BUNDLE_INCOMPLETE", StatusCodes.CONFLICT),
            Map.entry("MODEL_LOAD_FAILED", StatusCodes.CONFLICT),
            Map.entry("MODEL_UNLOADING", StatusCodes.SERVICE_UNAVAILABLE),
            Map.entry("UNKNOWN_EDIT", StatusCodes.NOT_FOUND),
            Map.entry("METHOD_NOT_ALLOWED", StatusCodes.METHOD_NOT_ALLOWED),
            Map.entry("VERSION_CONFLICT", StatusCodes.CONFLICT),
            Map.entry("TOO_LARGE", StatusCodes.PAYLOAD_TOO_LARGE),
            Map.entry("TIMEOUT", StatusCodes.GATEWAY_TIMEOUT),
            Map.entry("REGISTRY_TIMEOUT", StatusCodes.GATEWAY_TIMEOUT),
            Map.entry("JOURNAL_UNAVAILABLE", StatusCodes.SERVICE_UNAVAILABLE));

    /** What a 401 asks for. */
    private static final HttpHeader CHALLENGE = WWWAuthenticate.create(HttpChallenge.createOAuth2(BearerAuth.REALM));

    private record ErrorBody(ApiError error) {
    }

    private final long maxBodyBytes;

    ApiErrors(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    static StatusCode status(String code) {
        return status(code, StatusCodes.INTERNAL_SERVER_ERROR);
    }

    static StatusCode status(String code, StatusCode unlisted) {
        return STATUS.getOrDefault(code, unlisted);
    }

    private static HttpResponse response(StatusCode status, ApiError error) {
        return HttpResponse.create().withStatus(status)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.bytes(new ErrorBody(error))));
    }

    ApiException tooLarge() {
        return new ApiException("TOO_LARGE", "the body is larger than " + maxBodyBytes
                + " bytes (salve.api.max-body-bytes)");
    }

    ExceptionHandler exceptions() {
        return ExceptionHandler.newBuilder().matchAny(failure -> {
            Throwable cause = unwrap(failure);
            if (cause instanceof ApiException e) {
                return refuse(e.status, e.error);
            }
            if (cause instanceof SalveException e) {
                return refuse(status(e.code()), new ApiError(e.code(), e.getMessage()));
            }
            // A streamed body over the limit fails while it is read; Pekko reports that as a 400 "Request too large".
            if (cause instanceof EntityStreamSizeException || cause instanceof IllegalRequestException e
                    && (e.status().intValue() == 413 || e.info().summary().startsWith("Request too large"))) {
                ApiException refusal = tooLarge();
                return refuse(refusal.status, refusal.error);
            }
            if (cause instanceof IllegalRequestException e) {
                return refuse(e.status(), new ApiError("BAD_REQUEST", e.info().formatPretty()));
            }
            LOG.error("operator API request failed", cause);
            return refuse(StatusCodes.INTERNAL_SERVER_ERROR, new ApiError("INTERNAL_ERROR", String.valueOf(cause)));
        }).build();
    }

    private Route refuse(StatusCode status, ApiError error) {
        HttpResponse response = response(status, error);
        return complete(status.equals(StatusCodes.UNAUTHORIZED) ? response.addHeader(CHALLENGE) : response);
    }

    /** Pekko's own rejections with the status (and headers, such as Allow) its default handler gives them. */
    static RejectionHandler rejections() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(response ->
                response(response.status(), rejection(response)).addHeaders(response.getHeaders()));
    }

    /** The code and message of a response of Pekko's default rejection handler. */
    static ApiError rejection(HttpResponse response) {
        int status = response.status().intValue();
        String code = switch (status) {
            case 400 -> "BAD_REQUEST";
            case 401 -> "UNAUTHORIZED";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 413 -> "TOO_LARGE";
            default -> "HTTP_" + status;
        };
        String message = response.entity() instanceof HttpEntity.Strict strict
                ? strict.getData().utf8String() : response.status().reason();
        return new ApiError(code, message);
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
