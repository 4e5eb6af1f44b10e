package io.salve.http;

/** What every refusal of the API says, inside {@code {"error": ...}}: a stable code and a readable message. */
public record ApiError(String code, String message) {
}
