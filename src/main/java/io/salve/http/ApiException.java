package io.salve.http;

import org.apache.pekko.http.javadsl.model.StatusCode;

/** A refusal thrown from a route; {@link ApiErrors} turns it into the response. */
final class ApiException extends RuntimeException {

    final StatusCode status;
    final ApiError error;

    /** With the status {@link ApiErrors#status} gives the code. */
    ApiException(String code, String message) {
        this(ApiErrors.status(code), code, message);
    }

    ApiException(StatusCode status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.error = new ApiError(code, message);
    }
}
