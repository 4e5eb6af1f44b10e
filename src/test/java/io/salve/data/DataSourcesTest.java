package io.salve.data;

import io.salve.core.SalveException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSourcesTest {

    @TempDir
    Path dir;

    @Test
    void loadsFashionMnistFromTheDefaultDirectory() {
        ImageSet test = DataSources.load("fashion-mnist", FashionMnist.DEFAULT_DIR, false);
        assertEquals(10_000, test.count());
        assertEquals(FashionMnist.CLASS_NAMES, test.classNames());
        if (System.getenv(FashionMnist.DIR_ENV) == null) {
            assertArrayEquals(test.pixels(), DataSources.load("fashion-mnist", null, false).pixels());
        }
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        SalveException e = assertThrows(SalveException.class, () -> DataSources.load("cifar", dir, true));
        assertEquals("UNKNOWN_DATASET", e.code());
        assertEquals("unknown data set 'cifar' (expected fashion-mnist or folder)", e.getMessage());
    }

    @Test
    void aFolderWithTrainAndTestUsesEachForItsSplit() throws IOException {
        png("train/a/1.png");
        png("train/a/2.png");
        png("train/b/1.png");
        png("test/a/1.png");
        png("test/b/1.png");
        ImageSet train = DataSources.load("folder", dir, true);
        ImageSet test = DataSources.load("folder", dir, false);
        assertEquals(3, train.count());
        assertEquals(2, test.count());
        assertEquals(List.of("a", "b"), test.classNames());
        assertEquals(1, train.channels());
        assertEquals(28, train.height());
        assertEquals(28, train.width());

        ImageSet rgb = DataSources.load("folder", dir, true, 3, 8, 10);
        assertEquals(3 * 8 * 10, rgb.imageSize());
    }

    @Test
    void aFolderWithoutSplitsServesBoth() throws IOException {
        png("a/1.png");
        png("b/1.png");
        assertEquals(2, DataSources.load("folder", dir, true).count());
        assertEquals(2, DataSources.load("folder", dir, false).count());
    }

    @Test
    void splitsMustNameTheSameClasses() throws IOException {
        png("train/a/1.png");
        png("train/b/1.png");
        png("test/a/1.png");
        SalveException e = assertThrows(SalveException.class, () -> DataSources.load("folder", dir, false));
        assertEquals("DATA_MISMATCH", e.code());
    }

    @Test
    void aTrainSplitWithoutATestSplitIsRefused() throws IOException {
        png("train/a/1.png");
        SalveException e = assertThrows(SalveException.class, () -> DataSources.load("folder", dir, true));
        assertEquals("DATA_MISSING", e.code());
        assertTrue(e.getMessage().contains("test"), e.getMessage());
    }

    @Test
    void aFolderNeedsADirectory() {
        assertEquals("DATA_MISSING",
                assertThrows(SalveException.class, () -> DataSources.load("folder", null, true)).code());
    }

    private void png(String relative) throws IOException {
        Path file = dir.resolve(relative);
        Files.createDirectories(file.getParent());
        ImageIO.write(new BufferedImage(5, 5, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
    }
}
