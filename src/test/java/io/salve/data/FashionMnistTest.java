package io.salve.data;

import io.salve.core.SalveException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistTest {

    private static final List<String> FILES = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    @TempDir
    Path tmp;

    @Test
    void loadsTheInstalledTrainAndTestSplits() {
        ImageSet train = FashionMnist.train(FashionMnist.DEFAULT_DIR);
        ImageSet test = FashionMnist.test(FashionMnist.DEFAULT_DIR);
        assertEquals(60_000, train.count());
        assertEquals(10_000, test.count());
        for (ImageSet set : List.of(train, test)) {
            assertEquals(1, set.channels());
            assertEquals(28, set.height());
            assertEquals(28, set.width());
            assertEquals(10, set.numClasses());
            assertEquals("Ankle boot", set.classNames().get(set.labels()[0]));
        }
        assertEquals(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                "Bag", "Ankle boot"), train.classNames());
    }

    @Test
    void defaultDirIsTheDebianPackageLocationUnlessOverridden() {
        String env = System.getenv(FashionMnist.DIR_ENV);
        Path expected = env == null || env.isBlank() ? Path.of("/usr/share/datasets/fashion-mnist") : Path.of(env.strip());
        assertEquals(expected, FashionMnist.defaultDir());
    }

    @Test
    void aMissingDirectorySaysWhereItLookedAndHowToGetTheFiles() {
        Path dir = tmp.resolve("no-such-dir");
        SalveException e = assertThrows(SalveException.class, () -> FashionMnist.train(dir));
        assertEquals("DATA_MISSING", e.code());
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("sudo apt-get install dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("--data-dir"), e.getMessage());
        FILES.forEach(f -> assertTrue(e.getMessage().contains(f), e.getMessage()));
    }

    @Test
    void namesOnlyTheFilesThatAreMissing() throws IOException {
        IdxFiles.write(tmp.resolve("t10k-images-idx3-ubyte.gz"), IdxFiles.IMAGES, new int[] {0, 28, 28}, new byte[0], true);
        SalveException e = assertThrows(SalveException.class, () -> FashionMnist.test(tmp));
        assertEquals("DATA_MISSING", e.code());
        assertTrue(e.getMessage().contains("missing t10k-labels-idx1-ubyte.gz."), e.getMessage());
    }

    @Test
    void acceptsUncompressedFiles() throws IOException {
        byte[] pixels = new byte[2 * 28 * 28];
        pixels[28 * 28] = (byte) 255;
        IdxFiles.write(tmp.resolve("t10k-images-idx3-ubyte"), IdxFiles.IMAGES, new int[] {2, 28, 28}, pixels, false);
        IdxFiles.write(tmp.resolve("t10k-labels-idx1-ubyte"), IdxFiles.LABELS, new int[] {2}, new byte[] {3, 8}, false);
        ImageSet set = FashionMnist.test(tmp);
        assertEquals(2, set.count());
        assertArrayEquals(new int[] {3, 8}, set.labels());
        assertArrayEquals(pixels, set.pixels());
    }

    @Test
    void rejectsImagesAndLabelsOfDifferentCounts() throws IOException {
        IdxFiles.write(tmp.resolve("train-images-idx3-ubyte.gz"), IdxFiles.IMAGES, new int[] {2, 28, 28},
                new byte[2 * 28 * 28], true);
        IdxFiles.write(tmp.resolve("train-labels-idx1-ubyte.gz"), IdxFiles.LABELS, new int[] {3}, new byte[3], true);
        SalveException e = assertThrows(SalveException.class, () -> FashionMnist.train(tmp));
        assertEquals("DATA_CORRUPT", e.code());
        assertTrue(e.getMessage().contains("2 images") && e.getMessage().contains("3 labels"), e.getMessage());
    }

    @Test
    void rejectsLabelsOutsideTheTenClasses() throws IOException {
        IdxFiles.write(tmp.resolve("train-images-idx3-ubyte.gz"), IdxFiles.IMAGES, new int[] {1, 28, 28},
                new byte[28 * 28], true);
        IdxFiles.write(tmp.resolve("train-labels-idx1-ubyte.gz"), IdxFiles.LABELS, new int[] {1}, new byte[] {10}, true);
        SalveException e = assertThrows(SalveException.class, () -> FashionMnist.train(tmp));
        assertEquals("DATA_CORRUPT", e.code());
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte.gz"), e.getMessage());
    }

    @Test
    void rejectsImagesOfAnotherSize() throws IOException {
        IdxFiles.write(tmp.resolve("train-images-idx3-ubyte.gz"), IdxFiles.IMAGES, new int[] {1, 32, 32},
                new byte[32 * 32], true);
        IdxFiles.write(tmp.resolve("train-labels-idx1-ubyte.gz"), IdxFiles.LABELS, new int[] {1}, new byte[1], true);
        SalveException e = assertThrows(SalveException.class, () -> FashionMnist.train(tmp));
        assertEquals("DATA_CORRUPT", e.code());
        assertTrue(e.getMessage().contains("32x32"), e.getMessage());
    }
}
