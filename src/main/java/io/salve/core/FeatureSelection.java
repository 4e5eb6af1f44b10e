package io.salve.core;

import io.salve.core.edit.Ids;

/** The two definitions of "a class's feature" the {@link FeatureCatalog} records. */
public enum FeatureSelection {
    /** {@code argmax_l |mu_k[l]|}, the paper's. */
    DOMINANT,
    /** {@code argmax_l s_k[l]}, the class's most selective feature (see {@link FeatureCatalog}). */
    SELECTIVE;

    /** Parses "dominant" or "selective" (any case); anything else is {@code UNKNOWN_SELECTION}. */
    public static FeatureSelection parse(String name) {
        return Ids.parse(values(), name, "UNKNOWN_SELECTION", "feature selection");
    }

    public String id() {
        return Ids.of(this);
    }
}
