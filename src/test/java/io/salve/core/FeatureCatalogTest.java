package io.salve.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureCatalogTest {

    /**
     * Feature 0 is shared by classes 0 and 1 (mean 5 in both, the largest for class 0); feature 1 fires for class 0
     * alone, more weakly (mean 2); feature 2 for class 2 alone.
     */
    private static final float[][] LATENTS = {
        {5, 2, 0}, {5, 2, 0},
        {5, 0, 0}, {5, 0, 0},
        {0, 0, 3}, {0, 0, 3},
    };
    private static final int[] LABELS = {0, 0, 1, 1, 2, 2};

    private final FeatureCatalog catalog = FeatureCatalog.build(LATENTS, LABELS, List.of("a", "b", "c"),
            new double[3], 2);

    @Test
    void theSharedFeatureDominatesButTheClassSpecificOneIsSelective() {
        FeatureCatalog.ClassEntry a = catalog.classes().get(0);
        assertEquals(0, a.dominantFeature());
        assertEquals(1, a.selectiveFeature());
        assertEquals(1, a.feature(FeatureSelection.SELECTIVE));
        assertEquals(0, a.feature(FeatureSelection.DOMINANT));
        assertEquals(List.of(1, 0, 2), catalog.ranking(0, FeatureSelection.SELECTIVE));
        assertEquals(List.of(0, 1, 2), catalog.ranking(0, FeatureSelection.DOMINANT));
        assertEquals(List.of(0), catalog.features().get(1).selectiveFor());
        assertEquals(List.of(0, 1), catalog.features().get(0).dominantFor());
    }

    @Test
    void selectivityIsTheClassMeanAgainstTheOthersInUnitsOfTheSpread() {
        // Feature 0: values {5,5,5,5,0,0}, mean 10/3, sd sqrt(50/3 - 100/9); class 0 against the others' mean 2.5.
        double sd0 = Math.sqrt(50.0 / 3 - 100.0 / 9);
        assertEquals((5 - 2.5) / sd0, catalog.selectivity()[0][0], 1e-5);
        // Feature 1: values {2,2,0,0,0,0}, sd sqrt(4/3 - 4/9); class 0 against 0.
        double sd1 = Math.sqrt(4.0 / 3 - 4.0 / 9);
        assertEquals(2 / sd1, catalog.selectivity()[0][1], 1e-5);
        assertEquals(2 / sd1, catalog.classes().get(0).selectivity(), 1e-5);
        // Class 2 lacks feature 0: its mean has no sign, so the feature says nothing selective about it.
        assertEquals(0, catalog.selectivity()[2][0], 1e-6);
        assertEquals(2, catalog.classes().get(2).selectiveFeature());
        assertEquals(2, catalog.distinctFeatures(FeatureSelection.DOMINANT));
        assertEquals(3, catalog.distinctFeatures(FeatureSelection.SELECTIVE));
    }
}
