package io.salve.http;

import java.util.List;

/**
 * One served model as {@code GET /v1/models} shows it.
 *
 * @param version     which load of the model this is ("1", "2", ...: a reload is a new version)
 * @param state       READY, or UNLOADING while its last requests are answered
 * @param isDefault   whether requests that name no model go to it
 * @param inputShape  {@code [C, H, W]}
 * @param sae         the SAE's kind and latent count; null for a bundle without one (no features or edits)
 * @param editVersion the edit-set version its replicas serve (0 = unedited; null without an SAE)
 */
public record ModelView(String name, String version, String state, boolean isDefault, String bundle,
                        List<Integer> inputShape, List<String> classes, Sae sae, Long editVersion, Integer activeEdits,
                        List<Replica> replicas) {

    public record Sae(String kind, int latents, int inputDim) {
    }

    public record Replica(String name, String device, boolean ready) {
    }
}
