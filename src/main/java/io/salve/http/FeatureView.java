package io.salve.http;

import io.salve.core.FeatureCatalog;
import java.util.List;

/** GET /v1/features/{index}: the catalog's entry, the class means of the feature, and where its map is. */
public record FeatureView(String model, FeatureCatalog.FeatureEntry feature, List<ClassMean> classMeans,
                          List<Integer> crossClassFor, String gradFam) {

    public record ClassMean(int index, String name, double mean) {
    }
}
