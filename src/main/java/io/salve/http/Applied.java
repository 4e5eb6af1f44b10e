package io.salve.http;

/** 201 of POST /v1/edits: the new edit's id, the version it produced, and the whole state. */
public record Applied(String id, long version, StateView state) {
}
