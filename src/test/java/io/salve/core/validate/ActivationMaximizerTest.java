package io.salve.core.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.salve.core.Progress;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.SalveException;
import io.salve.model.Architecture;
import io.salve.model.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ActivationMaximizerTest {

    private static final Shape IMAGE = new Shape(1, 28, 28);

    @Test
    void climbsFarAboveTheStartingNoiseThroughTheBackbone() {
        Engine.getInstance().setRandomSeed(5);
        try (Network network = Network.create(Architecture.CNN, 10, IMAGE, Device.cpu())) {
            Sae sae = Saes.of(SaeKind.LINEAR, Saes.gaussian(8, Architecture.CNN.featureDim(), new Random(4)), new float[8], 1f, 0);
            int l = 3;
            Function<NDArray, NDArray> target = x -> sae.encode(network.activations(x.sub(0.3f).div(0.35f)))
                    .get(new NDIndex(":, {}", l));
            List<Long> steps = new ArrayList<>();
            ActivationMaximizer.Settings settings = new ActivationMaximizer.Settings(60, 0.05f, 0.01f, 0.001f, 1);

            ActivationMaximizer.Result result = ActivationMaximizer.maximize(network.manager(), IMAGE, target, settings,
                    (phase, done, total, detail) -> steps.add(done));

            assertTrue(result.latent() > result.startLatent() + 1 && result.latent() > 3 * Math.abs(result.startLatent()),
                    "z_l " + result.startLatent() + " -> " + result.latent());
            assertEquals(IMAGE.size(), result.image().length);
            for (float v : result.image()) {
                assertTrue(v >= 0 && v <= 1, "pixel " + v);
            }
            // The reported value is the target's on the returned image.
            try (NDManager scope = network.manager().newSubManager()) {
                float onImage = target.apply(scope.create(result.image(), new Shape(1).addAll(IMAGE))).getFloat();
                assertEquals(onImage, result.latent(), 1e-4 * Math.abs(onImage));
            }
            assertEquals(60, steps.size());
            assertEquals(60L, steps.get(59));
            // Same seed, same image, up to the engine: runs in one JVM now and then part ways after a few dozen
            // identical steps (mean pixel difference up to about 0.04, where another seed differs by about 0.36).
            float[] again = ActivationMaximizer.maximize(network.manager(), IMAGE, target, settings, Progress.NONE).image();
            double difference = 0;
            for (int i = 0; i < again.length; i++) {
                difference += Math.abs(again[i] - result.image()[i]) / again.length;
            }
            assertTrue(difference < 0.1, "mean pixel difference " + difference);
        }
    }

    @Test
    void penaltyIsL2PlusAnisotropicTotalVariation() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {0, 1, 1, 3}, new Shape(1, 1, 2, 2));
            // |x|^2 = 11; TV = |1-0| + |3-1| (down) + |1-0| + |3-1| (across) = 6.
            float penalty = ActivationMaximizer.penalty(x, new ActivationMaximizer.Settings(1, 0.1f, 0.5f, 0.25f, 0))
                    .getFloat();
            assertEquals(0.5 * 11 + 0.25 * 6, penalty, 1e-6);
        }
    }

    @Test
    void settingsRejectNonsense() {
        assertEquals("BAD_ARGUMENT", assertThrows(SalveException.class,
                () -> new ActivationMaximizer.Settings(0, 0.05f, 0, 0, 1)).code());
        assertThrows(SalveException.class, () -> new ActivationMaximizer.Settings(10, 0.05f, -1, 0, 1));
        assertThrows(SalveException.class, () -> new ActivationMaximizer.Settings(10, Float.NaN, 0, 0, 1));
    }
}
