package io.salve.http;

import ai.djl.Device;
import io.salve.core.Progress;
import io.salve.core.SaeConfig;
import io.salve.core.SaeKind;
import io.salve.data.DataSources;
import io.salve.model.Architecture;
import io.salve.model.Bundle;
import io.salve.model.TrainConfig;
import io.salve.pipeline.Discovery;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A real bundle built in seconds: a folder data set of four drawn shapes (bars, a square, a cross) with noise, a
 * small CNN trained on it, a LINEAR SAE and the feature catalog, all through the same {@link Discovery} steps as
 * {@code salve train / sae / features}.
 */
final class TinyBundle {

    static final String[] SHAPES = {"bar-h", "bar-v", "square", "cross"};

    private TinyBundle() {
    }

    static Bundle build(Path work) {
        Path data = work.resolve("shapes");
        Random rng = new Random(7);
        writeSplit(data.resolve("train"), 24, rng);
        writeSplit(data.resolve("test"), 25, rng);
        Discovery discovery = new Discovery(Device.cpu(), Progress.NONE);
        Discovery.DataRef ref = new Discovery.DataRef(DataSources.FOLDER, data, 0);
        Bundle bundle = discovery.trainBackbone(ref, new TrainConfig(Architecture.CNN, 3, 8, 3e-3f, 1, false),
                work.resolve("bundle"));
        discovery.trainSae(bundle, ref, new SaeConfig(SaeKind.LINEAR, 16, 0.3, 0, 30, 32, 3e-3, 1));
        discovery.catalogFeatures(bundle, ref, 4);
        return bundle;
    }

    private static void writeSplit(Path dir, int perClass, Random rng) {
        try {
            for (int c = 0; c < SHAPES.length; c++) {
                Path classDir = Files.createDirectories(dir.resolve(SHAPES[c]));
                for (int i = 0; i < perClass; i++) {
                    ImageIO.write(draw(c, rng), "png", classDir.resolve(i + ".png").toFile());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Shape {@code c} at a random offset, over noise. */
    private static BufferedImage draw(int c, Random rng) {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        int dx = rng.nextInt(7) - 3;
        int dy = rng.nextInt(7) - 3;
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int u = x - 14 - dx;
                int v = y - 14 - dy;
                boolean on = switch (c) {
                    case 0 -> Math.abs(v) <= 2 && Math.abs(u) <= 10;
                    case 1 -> Math.abs(u) <= 2 && Math.abs(v) <= 10;
                    case 2 -> Math.abs(u) <= 6 && Math.abs(v) <= 6 && (Math.abs(u) >= 5 || Math.abs(v) >= 5);
                    default -> Math.abs(u - v) <= 1 || Math.abs(u + v) <= 1;
                };
                int grey = (on ? 200 : 20) + rng.nextInt(40);
                img.getRaster().setSample(x, y, 0, Math.min(255, grey));
            }
        }
        return img;
    }
}
