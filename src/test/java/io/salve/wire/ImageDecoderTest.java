package io.salve.wire;

import io.salve.data.Resize;
import io.salve.model.InputSpec;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {

    private static final InputSpec GREY = spec(1, 28, 28, Resize.SQUASH);
    private static final Path IMAGES = Path.of("src/test/resources/import/images");

    /** An input of this shape and policy, normalised as (pixel / 255 - 0.5) / 0.25. */
    static InputSpec spec(int channels, int height, int width, Resize resize) {
        return new InputSpec(channels, height, width, new float[] {0.5f}, new float[] {0.25f}, resize);
    }

    /**
     * The committed RGB, odd-sized and grey images (and a gradient with transparency) give exactly InputSpec's
     * pixels, the ones {@code salve sae} and {@code features} feed the backbone, under either resize policy.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rgb-0.png", "odd-45x38.png", "grey-17x60.png"})
    void decodesExactlyAsInputSpecPreparesImages(String name) throws Exception {
        byte[] file = Files.readAllBytes(IMAGES.resolve(name));
        for (Resize resize : Resize.values()) {
            for (InputSpec spec : List.of(spec(3, 31, 27, resize), spec(1, 28, 28, resize), spec(3, 16, 20, resize))) {
                assertPixels(spec.pixels(ImageIO.read(IMAGES.resolve(name).toFile())), ImageDecoder.decode(file, spec));
            }
        }
        InputSpec rgb = spec(3, 16, 20, Resize.SQUASH);
        assertPixels(rgb.pixels(ImageIO.read(new ByteArrayInputStream(gradient("png")))),
                ImageDecoder.decode(gradient("png"), rgb));
    }

    @Test
    void theResizePolicyDecidesWhatAnOddSizedImageBecomes() throws Exception {
        byte[] odd = Files.readAllBytes(IMAGES.resolve("odd-45x38.png"));
        float[] squash = ImageDecoder.decode(odd, spec(3, 31, 27, Resize.SQUASH));
        float[] crop = ImageDecoder.decode(odd, spec(3, 31, 27, Resize.SHORTER_SIDE_CROP));
        assertEquals(3 * 31 * 27, squash.length);
        assertEquals(squash.length, crop.length);
        assertFalse(Arrays.equals(squash, crop), "squash and crop give different pixels");
    }

    @Test
    void greyBecomesRgbByRepeatingIt() throws Exception {
        float[] rgb = ImageDecoder.decode(Files.readAllBytes(IMAGES.resolve("grey-17x60.png")),
                spec(3, 31, 27, Resize.SHORTER_SIDE_CROP));
        int plane = 31 * 27;
        boolean varies = false;
        for (int i = 0; i < plane; i++) {
            assertEquals(rgb[i], rgb[plane + i], 0f, "green = red at " + i);
            assertEquals(rgb[i], rgb[2 * plane + i], 0f, "blue = red at " + i);
            varies |= rgb[i] != rgb[0];
        }
        assertTrue(varies, "not a flat image");
    }

    private static void assertPixels(byte[] expected, float[] pixels) {
        assertEquals(expected.length, pixels.length);
        for (int i = 0; i < pixels.length; i++) {
            assertEquals((expected[i] & 0xff) / 255f, pixels[i], 0f, "pixel " + i);
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
        assertTrue(ImageDecoder.supports(GREY) && ImageDecoder.supports(spec(3, 28, 28, Resize.SQUASH)));
        InputSpec four = spec(4, 8, 8, Resize.SQUASH);
        assertFalse(ImageDecoder.supports(four));
        assertThrows(IllegalArgumentException.class, () -> ImageDecoder.decode(gradient("png"), four));
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
