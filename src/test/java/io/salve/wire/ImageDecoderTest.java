package io.salve.wire;

import io.salve.data.ImageFolder;
import io.salve.data.ImageSet;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {

    private static final int[] GREY = {1, 28, 28};

    @Test
    void decodesExactlyAsImageFolderPreparesTrainingImages(@TempDir Path dir) throws Exception {
        byte[] png = gradient("png");
        Files.createDirectories(dir.resolve("cls"));
        Files.write(dir.resolve("cls/a.png"), png);
        for (int[] shape : new int[][] {GREY, {3, 16, 20}}) {
            ImageSet expected = ImageFolder.load(dir, shape[0], shape[1], shape[2]);
            float[] pixels = ImageDecoder.decode(png, shape);
            assertEquals(expected.imageSize(), pixels.length);
            for (int i = 0; i < pixels.length; i++) {
                assertEquals((expected.pixels()[i] & 0xff) / 255f, pixels[i], 0f, "pixel " + i);
            }
        }
    }

    @Test
    void decodesGreyPngAndJpeg() throws Exception {
        BufferedImage grey = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = grey.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 14, 28);
        g.dispose();
        float[] png = ImageDecoder.decode(encode(grey, "png"), GREY);
        assertEquals(1f, png[0], 0f);
        assertEquals(0f, png[27], 0f);
        float[] jpeg = ImageDecoder.decode(encode(grey, "jpeg"), GREY);
        assertEquals(1f, jpeg[0], 0.05f);
        assertEquals(0f, jpeg[27], 0.05f);
    }

    @Test
    void rejectsWhatIsNotADecodablePngOrJpeg() throws IOException {
        byte[] random = new byte[500];
        new Random(3).nextBytes(random);
        reject(random);
        byte[] png = encode(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png");
        reject(Arrays.copyOf(png, 30));   // truncated
        reject(Arrays.copyOf(Arrays.copyOf(png, 8), 200));   // a PNG signature, then zeros
        reject(encode(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "gif"));   // decodable, not PNG/JPEG
        reject(new byte[0]);
        // A small PNG that claims 5000 x 5000 pixels is refused before it is decoded.
        byte[] huge = encode(new BufferedImage(5000, 5000, BufferedImage.TYPE_BYTE_BINARY), "png");
        assertTrue(reject(huge).getMessage().contains("5000x5000"));
    }

    @Test
    void givesGreyOrRgbInputOnly() throws IOException {
        assertTrue(ImageDecoder.supports(GREY) && ImageDecoder.supports(new int[] {3, 28, 28}));
        assertFalse(ImageDecoder.supports(new int[] {4, 28, 28}));
        assertThrows(IllegalArgumentException.class, () -> ImageDecoder.decode(gradient("png"), new int[] {4, 8, 8}));
    }

    private static RequestCodec.BadRequest reject(byte[] file) {
        RequestCodec.BadRequest e = assertThrows(RequestCodec.BadRequest.class, () -> ImageDecoder.decode(file, GREY));
        assertEquals("BAD_IMAGE", e.code());
        return e;
    }

    /** A 60x45 colour gradient with a transparent corner: exercises halving, bilinear resize, grey conversion. */
    static byte[] gradient(String format) throws IOException {
        BufferedImage img = new BufferedImage(60, 45, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 45; y++) {
            for (int x = 0; x < 60; x++) {
                int a = x < 10 && y < 10 ? 0 : 255;
                img.setRGB(x, y, (a << 24) | ((x * 4) << 16) | ((y * 5) << 8) | ((x + y) % 256));
            }
        }
        return encode(img, format);
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BufferedImage src = img;
        if ("jpeg".equals(format) && img.getType() == BufferedImage.TYPE_INT_ARGB) {
            src = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
            src.getGraphics().drawImage(img, 0, 0, null);
        }
        assertTrue(ImageIO.write(src, format, out), "no " + format + " writer");
        return out.toByteArray();
    }
}
