package io.salve.http;

import java.util.List;

/**
 * POST /v1/edits/preview.
 *
 * @param baseVersion the registry version whose active edits the preview goes on top of
 */
public record PreviewView(String model, long baseVersion, EditBody edit, String split, int samples,
                          Double accuracyBefore, Double accuracyAfter, List<ClassPreview> classes) {

    /** One class in a preview; accuracies are null for a class without held-out samples. */
    public record ClassPreview(int index, String name, int samples, Double accuracyBefore, Double accuracyAfter,
                               int flipped, int changed) {
    }
}
