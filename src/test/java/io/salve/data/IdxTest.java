package io.salve.data;

import io.salve.core.SalveException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxTest {

    private static final Path REAL = FashionMnist.DEFAULT_DIR;

    @TempDir
    Path tmp;

    @Test
    void readsTheRealFashionMnistImageFiles() {
        Idx.Images train = Idx.readImages(REAL.resolve("train-images-idx3-ubyte.gz"));
        assertEquals(60_000, train.count());
        assertEquals(28, train.rows());
        assertEquals(28, train.cols());
        assertEquals(60_000 * 28 * 28, train.pixels().length);
        // The first training image (an ankle boot) has 433 lit pixels summing to 76247, and a blank top row.
        byte[] first = Arrays.copyOf(train.pixels(), 784);
        assertEquals(76_247, sum(first));
        assertEquals(433, Arrays.stream(unsigned(first)).filter(p -> p > 0).count());
        assertEquals(0, sum(Arrays.copyOf(first, 28)));

        Idx.Images test = Idx.readImages(REAL.resolve("t10k-images-idx3-ubyte.gz"));
        assertEquals(10_000, test.count());
        assertEquals(28, test.rows());
        assertEquals(28, test.cols());
        assertEquals(33_456, sum(Arrays.copyOf(test.pixels(), 784)));
    }

    @Test
    void readsTheRealFashionMnistLabelFiles() {
        int[] train = Idx.readLabels(REAL.resolve("train-labels-idx1-ubyte.gz"));
        int[] test = Idx.readLabels(REAL.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(60_000, train.length);
        assertEquals(10_000, test.length);
        assertArrayEquals(new int[] {9, 0, 0, 3, 0}, Arrays.copyOf(train, 5));
        assertArrayEquals(new int[] {9, 2, 1, 1, 6}, Arrays.copyOf(test, 5));
        int[] trainPerClass = new int[10];
        int[] testPerClass = new int[10];
        Arrays.stream(train).forEach(l -> trainPerClass[l]++);
        Arrays.stream(test).forEach(l -> testPerClass[l]++);
        int[] sixThousand = new int[10];
        int[] thousand = new int[10];
        Arrays.fill(sixThousand, 6000);
        Arrays.fill(thousand, 1000);
        assertArrayEquals(sixThousand, trainPerClass);
        assertArrayEquals(thousand, testPerClass);
    }

    @Test
    void readsPlainAndGzippedFilesAlike() throws IOException {
        byte[] pixels = {0, 1, 2, 3, 4, 5, (byte) 250, (byte) 255, 9, 10, 11, 12};
        for (boolean gzip : new boolean[] {false, true}) {
            Path file = IdxFiles.write(tmp.resolve("images" + gzip), IdxFiles.IMAGES, new int[] {2, 2, 3}, pixels, gzip);
            Idx.Images images = Idx.readImages(file);
            assertEquals(2, images.count());
            assertEquals(2, images.rows());
            assertEquals(3, images.cols());
            assertArrayEquals(pixels, images.pixels());

            Path labels = IdxFiles.write(tmp.resolve("labels" + gzip), IdxFiles.LABELS, new int[] {3},
                    new byte[] {7, 0, (byte) 200}, gzip);
            assertArrayEquals(new int[] {7, 0, 200}, Idx.readLabels(labels));
        }
    }

    @Test
    void rejectsABadMagicNumber() throws IOException {
        Path file = IdxFiles.write(tmp.resolve("bad-magic.idx"), 0x12345678, new int[] {1, 1, 1}, new byte[1], true);
        assertCorrupt(() -> Idx.readImages(file), "bad-magic.idx", "magic");
    }

    @Test
    void rejectsALabelFileWhereImagesAreExpected() throws IOException {
        Path file = IdxFiles.write(tmp.resolve("labels.idx"), IdxFiles.LABELS, new int[] {1}, new byte[1], false);
        assertCorrupt(() -> Idx.readImages(file), "labels.idx", "dimensions");
    }

    @Test
    void rejectsNonByteElements() throws IOException {
        Path file = IdxFiles.write(tmp.resolve("floats.idx"), 0x00000d01, new int[] {1}, new byte[4], false);
        assertCorrupt(() -> Idx.readLabels(file), "floats.idx", "0x0d");
    }

    @Test
    void rejectsAHeaderCountLargerThanTheData() throws IOException {
        Path file = IdxFiles.write(tmp.resolve("short.idx.gz"), IdxFiles.IMAGES, new int[] {3, 2, 2}, new byte[8], true);
        assertCorrupt(() -> Idx.readImages(file), "short.idx.gz", "truncated");
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        Path file = IdxFiles.write(tmp.resolve("long.idx"), IdxFiles.LABELS, new int[] {2}, new byte[3], false);
        assertCorrupt(() -> Idx.readLabels(file), "long.idx", "trailing");
    }

    @Test
    void rejectsATruncatedGzipFile() throws IOException {
        Path whole = IdxFiles.write(tmp.resolve("whole.gz"), IdxFiles.IMAGES, new int[] {10, 28, 28},
                new byte[10 * 28 * 28], true);
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(tmp.resolve("cut.gz"), Arrays.copyOf(bytes, bytes.length / 2));
        assertCorrupt(() -> Idx.readImages(cut), "cut.gz", "");
    }

    @Test
    void rejectsAFileThatEndsInsideTheHeader() throws IOException {
        Path file = Files.write(tmp.resolve("stub.idx"), new byte[] {0, 0, 8, 3, 0, 0});
        assertCorrupt(() -> Idx.readImages(file), "stub.idx", "truncated");
    }

    @Test
    void reportsAMissingFile() {
        SalveException e = assertThrows(SalveException.class, () -> Idx.readLabels(tmp.resolve("nowhere.idx")));
        assertEquals("DATA_MISSING", e.code());
        assertTrue(e.getMessage().contains("nowhere.idx"), e.getMessage());
    }

    private static void assertCorrupt(Runnable read, String fileName, String detail) {
        SalveException e = assertThrows(SalveException.class, read::run);
        assertEquals("DATA_CORRUPT", e.code());
        assertTrue(e.getMessage().contains(fileName), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
    }

    private static int[] unsigned(byte[] bytes) {
        int[] out = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i] & 0xff;
        }
        return out;
    }

    private static long sum(byte[] bytes) {
        return Arrays.stream(unsigned(bytes)).asLongStream().sum();
    }
}
