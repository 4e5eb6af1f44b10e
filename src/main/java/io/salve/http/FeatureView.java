package io.salve.http;

import io.salve.core.FeatureCatalog;
import java.util.List;

/**
 * GET /v1/features/{index}: the catalog's entry (with the classes it dominates and those it is the selective feature
 * of), the class means of the feature, where its map is, and {@code selection}: which of the two per-class features
 * control uses by default ({@link FeatureCatalog#SELECTION}).
 */
public record FeatureView(String model, FeatureCatalog.FeatureEntry feature, List<ClassMean> classMeans,
                          List<Integer> crossClassFor, String gradFam, String selection) {

    public record ClassMean(int index, String name, double mean) {
    }
}
