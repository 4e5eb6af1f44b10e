package io.salve.core;

/**
 * A failure a user can act on: a stable machine-readable {@code code} (e.g. {@code DATA_MISSING},
 * {@code UNKNOWN_FEATURE}) and a message that says what to do. The CLI prints both; the service puts both in error
 * results.
 */
public class SalveException extends RuntimeException {

    private final String code;

    public SalveException(String code, String message) {
        super(message);
        this.code = code;
    }

    public SalveException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
