package io.salve.serve;

import io.salve.core.Head;

/**
 * The head replicas apply, with the edit-set version it was built from. Computed once per edit change, off the
 * inference path, and carried by every batch so that a batch never mixes versions.
 */
public record ServingHead(Head head, long version) {
}
