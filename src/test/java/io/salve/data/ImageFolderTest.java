package io.salve.data;

import io.salve.core.SalveException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFolderTest {

    private static final int H = 16;
    private static final int W = 12;
    private static final int PLANE = H * W;

    @TempDir
    Path root;

    /**
     * bird/  half.png (40x10: left half black, right half white)
     * cat/   a-white.png (20x10), b-photo.jpg (30x40, colour (200,100,50))
     * dog/   grey.png (7x5 grey 128, 8-bit grey PNG), red.png (300x200 pure red with an alpha channel)
     * plus a hidden folder, a hidden broken "image" and a text file, all to be ignored.
     */
    @BeforeEach
    void writeFixture() throws IOException {
        BufferedImage half = solid(40, 10, Color.BLACK, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = half.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(20, 0, 20, 10);
        g.dispose();
        write(half, "png", "bird/half.png");
        write(solid(20, 10, Color.WHITE, BufferedImage.TYPE_INT_RGB), "png", "cat/a-white.png");
        write(solid(30, 40, new Color(200, 100, 50), BufferedImage.TYPE_INT_RGB), "jpg", "cat/b-photo.jpg");
        write(solid(7, 5, new Color(128, 128, 128), BufferedImage.TYPE_BYTE_GRAY), "png", "dog/grey.png");
        write(solid(300, 200, Color.RED, BufferedImage.TYPE_INT_ARGB), "png", "dog/red.PNG");
        Files.createDirectories(root.resolve(".thumbnails"));
        write(solid(4, 4, Color.WHITE, BufferedImage.TYPE_INT_RGB), "png", ".thumbnails/x.png");
        Files.writeString(root.resolve("dog/.broken.png"), "not an image");
        Files.writeString(root.resolve("cat/notes.txt"), "ignore me");
    }

    @Test
    void labelsImagesByTheirSortedClassFolders() {
        ImageSet set = ImageFolder.load(root, 1, H, W);
        assertEquals(List.of("bird", "cat", "dog"), set.classNames());
        assertEquals(5, set.count());
        assertArrayEquals(new int[] {0, 1, 1, 2, 2}, set.labels());
        assertEquals(1, set.channels());
        assertEquals(H, set.height());
        assertEquals(W, set.width());
        assertEquals(5 * PLANE, set.pixels().length);
    }

    @Test
    void convertsToGreyByLuminance() {
        ImageSet grey = ImageFolder.load(root, 1, H, W);
        assertAll(grey, 1, 0, 255);                       // white
        assertNear(grey, 2, 0, 0.299 * 200 + 0.587 * 100 + 0.114 * 50, 6); // JPEG is lossy
        assertAll(grey, 3, 0, 128);                       // a grey PNG keeps its value
        assertAll(grey, 4, 0, 76);                        // red: round(0.299 * 255)
    }

    @Test
    void keepsColourChannelFirst() {
        ImageSet rgb = ImageFolder.load(root, 3, H, W);
        assertEquals(3, rgb.channels());
        assertEquals(5 * 3 * PLANE, rgb.pixels().length);
        for (int c = 0; c < 3; c++) {
            assertAll(rgb, 1, c, 255);
            assertAll(rgb, 3, c, 128);
        }
        assertAll(rgb, 4, 0, 255);
        assertAll(rgb, 4, 1, 0);
        assertAll(rgb, 4, 2, 0);
        assertNear(rgb, 2, 0, 200, 6);
        assertNear(rgb, 2, 1, 100, 6);
        assertNear(rgb, 2, 2, 50, 6);
    }

    @Test
    void resizesWidthAndHeightWithoutSwappingThem() {
        ImageSet set = ImageFolder.load(root, 1, H, W);
        byte[] half = Arrays.copyOfRange(set.pixels(), 0, PLANE);
        for (int y = 0; y < H; y++) {
            // Columns well inside each half keep their colour; bilinear blending only touches the middle.
            for (int x = 0; x < W / 2 - 1; x++) {
                assertEquals(0, half[y * W + x] & 0xff, "left at " + x + "," + y);
                assertEquals(255, half[y * W + W - 1 - x] & 0xff, "right at " + x + "," + y);
            }
        }
    }

    @Test
    void aCorruptImageIsReportedByName() throws IOException {
        Files.write(root.resolve("cat/c-broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
        SalveException e = assertThrows(SalveException.class, () -> ImageFolder.load(root, 1, H, W));
        assertEquals("DATA_CORRUPT", e.code());
        assertTrue(e.getMessage().contains("c-broken.png"), e.getMessage());
    }

    @Test
    void aFileThatIsNoImageAtAllIsCorruptToo() throws IOException {
        Files.writeString(root.resolve("dog/z.jpg"), "plain text");
        SalveException e = assertThrows(SalveException.class, () -> ImageFolder.load(root, 1, H, W));
        assertEquals("DATA_CORRUPT", e.code());
        assertTrue(e.getMessage().contains("z.jpg"), e.getMessage());
    }

    @Test
    void anEmptyRootIsEmpty(@TempDir Path empty) throws IOException {
        SalveException e = assertThrows(SalveException.class, () -> ImageFolder.load(empty, 1, H, W));
        assertEquals("DATA_EMPTY", e.code());
        Files.createDirectories(empty.resolve("cat"));
        Files.writeString(empty.resolve("cat/readme.txt"), "no images here");
        e = assertThrows(SalveException.class, () -> ImageFolder.load(empty, 1, H, W));
        assertEquals("DATA_EMPTY", e.code());
        assertTrue(e.getMessage().contains("cat"), e.getMessage());
    }

    @Test
    void aMissingRootIsMissing() {
        SalveException e = assertThrows(SalveException.class, () -> ImageFolder.load(root.resolve("nope"), 1, H, W));
        assertEquals("DATA_MISSING", e.code());
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void shorterSideCropKeepsTheAspectRatioAndCutsTheCentre(@TempDir Path other) throws IOException {
        // 40x10 black with a white left quarter: the centre 10x10 square is all black, a squashed image is not.
        BufferedImage wide = solid(40, 10, Color.BLACK, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = wide.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 10, 10);
        g.dispose();
        Files.createDirectories(other.resolve("a"));
        ImageIO.write(wide, "png", other.resolve("a/wide.png").toFile());

        byte[] cropped = ImageFolder.load(other, 1, 10, 10, Resize.SHORTER_SIDE_CROP).pixels();
        byte[] squashed = ImageFolder.load(other, 1, 10, 10, Resize.SQUASH).pixels();
        for (byte p : cropped) {
            assertEquals(0, p & 0xff);
        }
        assertEquals(255, squashed[0] & 0xff);
        assertEquals(0, squashed[9] & 0xff);
    }

    @Test
    void convertRepeatsGreyIntoRgbAndResizes() {
        byte[] grey = {0, (byte) 255, (byte) 255, 0};
        ImageSet set = new ImageSet(1, 1, 2, 2, grey, new int[] {0}, List.of("a"));
        ImageSet rgb = ImageFolder.convert(set, 3, 4, 4, Resize.SQUASH);
        assertEquals(3 * 16, rgb.imageSize());
        byte[] p = rgb.pixels();
        assertArrayEquals(Arrays.copyOfRange(p, 0, 16), Arrays.copyOfRange(p, 16, 32));
        assertArrayEquals(Arrays.copyOfRange(p, 0, 16), Arrays.copyOfRange(p, 32, 48));
        assertEquals(0, p[0] & 0xff);
        assertEquals(255, p[3] & 0xff);
        assertTrue(ImageFolder.convert(set, 1, 2, 2, Resize.SQUASH) == set, "a set of the right shape is not copied");
    }

    @Test
    void rejectsUnsupportedShapes() {
        assertEquals("BAD_SHAPE", assertThrows(SalveException.class, () -> ImageFolder.load(root, 2, H, W)).code());
        assertEquals("BAD_SHAPE", assertThrows(SalveException.class, () -> ImageFolder.load(root, 1, 0, W)).code());
    }

    private static BufferedImage solid(int width, int height, Color colour, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    private void write(BufferedImage image, String format, String relative) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(image, format, file.toFile()), "no writer for " + format);
    }

    private static void assertAll(ImageSet set, int image, int channel, int expected) {
        assertNear(set, image, channel, expected, 0);
    }

    private static void assertNear(ImageSet set, int image, int channel, double expected, double tolerance) {
        int start = image * set.imageSize() + channel * PLANE;
        for (int i = start; i < start + PLANE; i++) {
            assertEquals(expected, set.pixels()[i] & 0xff, tolerance, "image " + image + " channel " + channel);
        }
    }
}
