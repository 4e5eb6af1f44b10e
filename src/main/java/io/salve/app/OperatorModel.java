package io.salve.app;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.salve.core.Progress;
import io.salve.http.ServedModel;
import io.salve.model.Activations;
import io.salve.model.Bundle;
import io.salve.pipeline.Discovery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the operator API reads about the served bundle, brought up to date with the pipeline before serving. */
final class OperatorModel {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorModel.class);
    /** Top samples kept per feature when the catalog has to be rebuilt (as the demo bundle's). */
    private static final int CATALOG_TOP = 16;

    private OperatorModel() {
    }

    /**
     * Computes (and caches in the bundle) the test activations if missing, and rebuilds a stale catalog: older than
     * the SAE, or written before catalogs recorded selective features.
     */
    static ServedModel load(Bundle bundle, String name, Discovery.DataRef data) {
        Discovery discovery = new Discovery(Device.cpu(), Progress.NONE);
        Activations heldOut = discovery.activations(bundle, data, "test");
        if (!isFresh(bundle, bundle.file("catalog.json"))
                || !bundle.readJson("catalog.json", JsonNode.class).has("selectivity")) {
            LOG.info("the feature catalog of {} is missing, older than its SAE or without selective features: "
                    + "rebuilding it", bundle.dir());
            discovery.catalogFeatures(bundle, data, CATALOG_TOP);
        }
        return ServedModel.of(name, bundle, heldOut);
    }

    /** Whether a derived file exists and is no older than the SAE and catalog it was derived from. */
    static boolean isFresh(Bundle bundle, Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return false;
            }
            for (String source : List.of("sae.npz", "catalog.json")) {
                Path s = bundle.file(source);
                if (!s.equals(file) && Files.isRegularFile(s)
                        && Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(s)) < 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
