package io.salve.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.salve.data.Resize;
import java.util.List;
import org.junit.jupiter.api.Test;

class BundleMetadataTest {

    /** A bundle.json written before imported models: one mean and std number, no resize, no imported. */
    @Test
    void olderBundlesStillRead() throws Exception {
        String json = """
                {"formatVersion":1,"architecture":"cnn","inputShape":[1,28,28],"mean":0.286,"std":0.353,
                 "classNames":["a","b"],"targetLayer":"global-avg-pool","featureDim":128,"engine":"PyTorch",
                 "training":{"dataset":"fashion-mnist","dataDir":null,"limit":0,"epochs":1,"batchSize":64,"seed":1,
                             "learningRate":0.001,"seconds":2.0}}""";
        BundleMetadata m = Bundle.JSON.readValue(json, BundleMetadata.class);
        assertEquals(List.of(0.286f), m.mean());
        assertNull(m.imported());
        InputSpec spec = InputSpec.of(m);
        assertEquals(Resize.SQUASH, spec.resize());
        assertArrayEquals(new float[] {0.286f}, spec.mean());
    }

    @Test
    void oneValueServesEveryChannelAndNormalisesPerChannel() {
        InputSpec spec = new InputSpec(3, 1, 2, new float[] {0.5f}, new float[] {0.25f, 0.5f, 1f}, Resize.SQUASH);
        float[] out = new float[6];
        spec.normalise(new float[] {1, 0, 1, 0, 1, 0}, out, 0);
        assertArrayEquals(new float[] {2, -2, 1, -1, 0.5f, -0.5f}, out);
    }
}
