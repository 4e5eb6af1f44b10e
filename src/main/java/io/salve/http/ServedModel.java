package io.salve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.salve.core.FeatureCatalog;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import io.salve.model.Activations;
import io.salve.model.Bundle;
import java.util.List;

/**
 * What the routes read about the one served model, prepared at wiring time (the catalog rebuilt if stale, the
 * held-out activations computed if not cached: work for the pipeline, not for a request).
 *
 * @param name        the model's name, matched against {@code ?model=}
 * @param catalogJson catalog.json as written (its features carry their test-split firing rates)
 * @param heldOut     the test split's activations, on which previews are computed
 */
public record ServedModel(String name, List<String> classNames, Head head, Sae sae, ObjectNode catalogJson,
                          FeatureCatalog catalog, Activations heldOut) {

    /** The bundle's head, SAE and catalog.json as they are now, read once. */
    public static ServedModel of(String name, Bundle bundle, Activations heldOut) {
        ObjectNode json = bundle.readJson("catalog.json", ObjectNode.class);
        try {
            FeatureCatalog catalog = Json.MAPPER.copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .treeToValue(json, FeatureCatalog.class);
            return new ServedModel(name, bundle.metadata().classNames(), bundle.head(), bundle.sae(), json, catalog,
                    heldOut);
        } catch (JsonProcessingException e) {
            throw new SalveException("BUNDLE_CORRUPT", "cannot read " + bundle.file("catalog.json") + ": "
                    + e.getOriginalMessage(), e);
        }
    }
}
