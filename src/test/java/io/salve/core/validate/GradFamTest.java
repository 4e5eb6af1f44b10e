package io.salve.core.validate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.salve.core.Maths;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.model.Architecture;
import io.salve.model.Network;
import io.salve.model.VitConfig;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GradFamTest {

    private static final int N = 3;
    private static final int C = 5;
    private static final int H = 3;
    private static final int W = 4;

    @Test
    void linearPathIsTheEncoderRowWeightedCam() {
        Random random = new Random(3);
        float[] maps = flat(Saes.gaussian(N * C * H, W, random));
        float scale = 2.5f;
        Sae sae = Saes.of(SaeKind.LINEAR, Saes.gaussian(4, C, random), new float[] {0.1f, -0.2f, 0.3f, 0.4f}, scale, 0);
        int l = 2;

        GradFam.Result result;
        try (NDManager manager = NDManager.newBaseManager()) {
            result = GradFam.compute(manager.create(maps, new Shape(N, C, H, W)), GradFam.latent(sae, l, GradFamTest::globalAveragePool), 12, 16);
        }

        for (int n = 0; n < N; n++) {
            for (int r = 0; r < H; r++) {
                for (int c = 0; c < W; c++) {
                    double cam = 0;
                    for (int ch = 0; ch < C; ch++) {
                        cam += sae.encoder()[l][ch] * maps[((n * C + ch) * H + r) * W + c];
                    }
                    assertEquals(Math.abs(cam) / (scale * H * W), result.raw()[n][r][c], 1e-5, "image " + n + " at " + r + "," + c);
                }
            }
            assertEquals(12, result.maps()[n].length);
            assertEquals(16, result.maps()[n][0].length);
            float[] values = flat(result.maps()[n]);
            assertEquals(0f, min(values), 1e-6);
            assertEquals(1f, max(values), 1e-6);
        }
    }

    @Test
    void latentsAreTheSaesForEveryKind() {
        Random random = new Random(5);
        float[] maps = flat(Saes.gaussian(N * C * H, W, random));
        float[][] encoder = Saes.gaussian(6, C, random);
        float[] bias = flat(Saes.gaussian(1, 6, random));
        for (Sae sae : new Sae[] {Saes.of(SaeKind.LINEAR, encoder, bias, 0.7f, 0), Saes.of(SaeKind.RELU, encoder, bias, 0.7f, 0),
                Saes.of(SaeKind.TOPK, encoder, bias, 0.7f, 2)}) {
            for (int l = 0; l < sae.latents(); l++) {
                GradFam.Result result;
                try (NDManager manager = NDManager.newBaseManager()) {
                    result = GradFam.compute(manager.create(maps, new Shape(N, C, H, W)), GradFam.latent(sae, l, GradFamTest::globalAveragePool), H, W);
                }
                for (int n = 0; n < N; n++) {
                    assertEquals(sae.encode(pooled(maps, n))[l], result.latents()[n], 1e-5, sae.kind() + " latent " + l);
                }
            }
        }
    }

    /**
     * The planted case: blank images with one bright patch, and a latent whose encoder row is what the patch adds to
     * the pooled features. Grad-FAM must put the map's peak on the patch, wherever the patch is. Pixel levels are
     * normalised ones (black is about -0.8 after Fashion-MNIST's normalisation), so the background is not zero.
     */
    @Test
    void mapPeaksOnThePatchThatDrivesThePlantedFeature() {
        Engine.getInstance().setRandomSeed(11);
        try (Network network = Network.create(Architecture.CNN, 10, new Shape(1, 28, 28), Device.cpu())) {
            assertPeaksOnPlantedPatches(network);
        }
    }

    /**
     * The same on a ViT: the map is over the last block's input patch tokens (a 7x7 grid for 4-pixel patches), so
     * the peak lands on the patch only if every token is put back on the grid where its patch is.
     */
    @Test
    void vitMapPeaksOnThePatchThatDrivesThePlantedFeature() {
        Engine.getInstance().setRandomSeed(11);
        try (Network network = Network.create(Architecture.VIT, new VitConfig(4, 32, 2, 2, 64), 10,
                new Shape(1, 28, 28), Device.cpu())) {
            assertPeaksOnPlantedPatches(network);
        }
    }

    private static void assertPeaksOnPlantedPatches(Network network) {
        int size = 28;
        int patch = 8;
        float black = -0.8f;
        float bright = 2f;
        // On the ViT's 4-pixel token grid, so that the patch fills whole tokens.
        int[][] corners = {{4, 4}, {4, 16}, {16, 4}, {16, 16}};
        try (NDManager manager = network.manager().newSubManager()) {
            for (int[] corner : corners) {
                float[] pixels = new float[size * size];
                Arrays.fill(pixels, black);
                for (int r = corner[0]; r < corner[0] + patch; r++) {
                    Arrays.fill(pixels, r * size + corner[1], r * size + corner[1] + patch, bright);
                }
                NDArray image = manager.create(pixels, new Shape(1, 1, size, size));
                NDArray blank = manager.full(image.getShape(), black);
                float[] direction = network.activations(image).sub(network.activations(blank)).toFloatArray();
                float norm = (float) Maths.norm(direction);
                float[][] encoder = Saes.gaussian(4, direction.length, new Random(2));
                int l = 1;
                for (int j = 0; j < direction.length; j++) {
                    encoder[l][j] = direction[j] / norm;
                }
                Sae sae = Saes.of(SaeKind.LINEAR, encoder, new float[4], 1f, 0);

                Network.FeatureMaps maps = network.featureMaps(image);
                GradFam.Result result = GradFam.compute(maps.maps(), GradFam.latent(sae, l, maps.activations()), size, size);

                int[] peak = GradFam.peak(result.maps()[0]);
                assertTrue(peak[0] >= corner[0] && peak[0] < corner[0] + patch && peak[1] >= corner[1]
                                && peak[1] < corner[1] + patch,
                        "peak " + Arrays.toString(peak) + " outside the patch at " + Arrays.toString(corner));
                // The opposite quadrant, far from the patch, stays cold.
                int farRow = corner[0] < size / 2 ? size - 4 : 3;
                int farCol = corner[1] < size / 2 ? size - 4 : 3;
                assertTrue(result.maps()[0][farRow][farCol] < 0.1, "far corner " + result.maps()[0][farRow][farCol]);
                assertTrue(result.latents()[0] > 0);
            }
        }
    }

    @Test
    void peakIsTheFirstLargestCell() {
        assertArrayEquals(new int[] {1, 0}, GradFam.peak(new float[][] {{0.1f, 0.2f}, {0.9f, 0.9f}}));
    }

    private static NDArray globalAveragePool(NDArray maps) {
        return maps.reshape(maps.getShape().get(0), maps.getShape().get(1), -1).mean(new int[] {2});
    }

    private static float[] pooled(float[] maps, int n) {
        float[] a = new float[C];
        for (int ch = 0; ch < C; ch++) {
            for (int i = 0; i < H * W; i++) {
                a[ch] += maps[(n * C + ch) * H * W + i] / (H * W);
            }
        }
        return a;
    }

    private static float[] flat(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[i].length, rows[i].length);
        }
        return out;
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }
}
