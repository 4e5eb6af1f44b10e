package io.salve.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import io.salve.core.Maths;
import io.salve.core.Progress;
import io.salve.core.SalveException;
import io.salve.data.Batches;
import io.salve.data.ImageSet;
import io.salve.serve.BatchModel;
import io.salve.serve.BundleBatchModel;
import io.salve.serve.ServingHead;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny ViT (patch 7 on 28x28: a 4x4 grid of tokens plus CLS, width 16, two blocks). */
class VitTest {

    static final VitConfig TINY = new VitConfig(7, 16, 2, 2, 32);
    private static final Shape IMAGE = new Shape(1, 28, 28);
    private static final int CLASSES = 3;

    @Test
    void shapesFollowTheConfig() {
        Engine.getInstance().setRandomSeed(1);
        try (Network network = Network.create(Architecture.VIT, TINY, CLASSES, IMAGE, Device.cpu());
             NDManager scope = network.manager().newSubManager()) {
            NDArray images = scope.randomNormal(new Shape(5).addAll(IMAGE));
            NDArray a = network.activations(images);
            Network.FeatureMaps maps = network.featureMaps(images);

            assertEquals(new Shape(5, 16), a.getShape());
            assertEquals(new Shape(5, 16, 4, 4), maps.maps().getShape());
            assertEquals(new Shape(5, CLASSES), network.logits(images).getShape());
            assertEquals(new Shape(CLASSES, 16), new Shape(network.head().numClasses(), network.head().dim()));
            // The split is exact: the rest of the forward pass from the patch-token grid gives the CLS activation.
            assertArrayEquals(a.toFloatArray(), maps.activations().apply(maps.maps()).toFloatArray(), 1e-5f);
        }
    }

    @Test
    void aPatchThatDoesNotTileTheImageIsRefusedBeforeAnythingIsBuilt() {
        SalveException e = assertThrows(SalveException.class, () -> Network.create(Architecture.VIT,
                new VitConfig(5, 16, 1, 2, 32), CLASSES, new Shape(1, 28, 28), Device.cpu()));
        assertEquals("BAD_ARGUMENT", e.code());
        assertTrue(e.getMessage().contains("--patch"), e.getMessage());
    }

    @Test
    void aFewTrainingStepsLowerTheLoss() {
        ImageSet data = stripes(96, new Random(3));
        TrainConfig config = new TrainConfig(Architecture.VIT, 4, 16, 3e-3f, 1, false, TINY, 1, 0.05f);
        float before;
        try (Network untrained = Network.create(Architecture.VIT, TINY, CLASSES, IMAGE, Device.cpu())) {
            Engine.getInstance().setRandomSeed(1);
            before = loss(untrained, data);
        }
        try (Network trained = ClassifierTrainer.train(data, config, 0.5f, 0.5f, Device.cpu(), Progress.NONE)) {
            float after = loss(trained, data);
            assertTrue(after < 0.5f * before, "loss " + before + " -> " + after);
        }
    }

    @Test
    void bundleRoundTripRebuildsTheSameNetworkAndServes(@TempDir Path dir) {
        ImageSet data = stripes(6, new Random(4));
        Engine.getInstance().setRandomSeed(2);
        float[] logits;
        Bundle saved;
        try (Network network = Network.create(Architecture.VIT, TINY, CLASSES, IMAGE, Device.cpu());
             NDManager scope = network.manager().newSubManager()) {
            logits = network.logits(scope.create(normalised(data), new Shape(data.count()).addAll(IMAGE))).toFloatArray();
            saved = Bundle.create(dir, new BundleMetadata(BundleMetadata.FORMAT_VERSION, "vit", List.of(1, 28, 28),
                    List.of(0.5f), List.of(0.5f), null, List.of("a", "b", "c"), Architecture.VIT.targetLayer(), 16,
                    "PyTorch", null, null, TINY));
            saved.saveNetwork(network);
        }

        Bundle opened = Bundle.open(dir);
        assertEquals(TINY, opened.metadata().vit());
        assertEquals("cls-token", opened.metadata().targetLayer());
        try (Network network = opened.loadNetwork(Device.cpu());
             NDManager scope = network.manager().newSubManager()) {
            NDArray x = scope.create(normalised(data), new Shape(data.count()).addAll(IMAGE));
            assertArrayEquals(logits, network.logits(x).toFloatArray(), 1e-5f);
        }
        try (BundleBatchModel model = new BundleBatchModel(opened, Device.cpu(), false, false)) {
            List<float[]> pixels = new ArrayList<>();
            for (int n = 0; n < data.count(); n++) {
                pixels.add(Batches.normalised(data, n, n + 1, 0f, 1f));
            }
            List<BatchModel.Output> outputs = model.run(pixels, ServingHead.unedited(opened.head()));
            for (int n = 0; n < data.count(); n++) {
                float[] row = Arrays.copyOfRange(logits, n * CLASSES, (n + 1) * CLASSES);
                assertEquals(Maths.argmax(row), outputs.get(n).prediction(), "image " + n);
            }
        }
    }

    /** Class c: a bright horizontal stripe in band c of three, over noise. */
    static ImageSet stripes(int count, Random random) {
        byte[] pixels = new byte[count * 28 * 28];
        int[] labels = new int[count];
        for (int n = 0; n < count; n++) {
            labels[n] = n % CLASSES;
            int top = 2 + labels[n] * 9 + random.nextInt(3);
            for (int i = 0; i < 28 * 28; i++) {
                int row = i / 28;
                boolean stripe = row >= top && row < top + 4;
                pixels[n * 28 * 28 + i] = (byte) (stripe ? 200 + random.nextInt(56) : random.nextInt(60));
            }
        }
        return new ImageSet(count, 1, 28, 28, pixels, labels, List.of("a", "b", "c"));
    }

    private static float loss(Network network, ImageSet data) {
        try (NDManager scope = network.manager().newSubManager()) {
            NDArray x = scope.create(normalised(data), new Shape(data.count()).addAll(IMAGE));
            NDArray y = scope.create(data.labels());
            return Loss.softmaxCrossEntropyLoss().evaluate(new NDList(y), new NDList(network.logits(x))).getFloat();
        }
    }

    private static float[] normalised(ImageSet data) {
        return Batches.normalised(data, 0, data.count(), 0.5f, 0.5f);
    }
}
