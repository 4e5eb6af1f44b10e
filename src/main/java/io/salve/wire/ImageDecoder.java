package io.salve.wire;

import io.salve.model.InputSpec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * An encoded image (PNG or JPEG, any size, grey or colour) to model input through the bundle's {@link InputSpec}:
 * converted to its channels and resized by its policy exactly as the offline commands prepare images. Thread-safe.
 */
public final class ImageDecoder {

    /** Larger images are rejected before decoding (decompression bombs). */
    public static final long MAX_PIXELS = 4096L * 4096L;

    private ImageDecoder() { }

    /** Whether images can be turned into this input: grey or RGB, C = 1 or 3. */
    public static boolean supports(InputSpec input) {
        return input.channels() == 1 || input.channels() == 3;
    }

    /**
     * @param file  the image file's bytes
     * @param input the bundle's input, one that this decoder {@link #supports}
     * @return {@code C*H*W} intensities in [0, 1] (pixel / 255), channel-first, not yet normalised
     * @throws RequestCodec.BadRequest {@code BAD_IMAGE} (id null) when the file is not a PNG or JPEG that can be
     *                                 decoded, or has more than {@link #MAX_PIXELS}
     */
    public static float[] decode(byte[] file, InputSpec input) throws RequestCodec.BadRequest {
        if (!supports(input)) {
            throw new IllegalArgumentException("images give 1- or 3-channel input, not " + input.channels());
        }
        byte[] bytes8 = input.pixels(read(file));
        float[] pixels = new float[bytes8.length];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (bytes8[i] & 0xff) / 255f;
        }
        return pixels;
    }

    private static BufferedImage read(byte[] bytes) throws RequestCodec.BadRequest {
        boolean png = bytes.length >= 8 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N'
                && bytes[3] == 'G';
        boolean jpeg = bytes.length >= 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8
                && (bytes[2] & 0xff) == 0xff;
        if (!png && !jpeg) {
            throw bad("\"image\" is not a PNG or JPEG file");
        }
        // In memory: ImageIO.createImageInputStream would cache the stream in a temporary file.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw bad("\"image\" cannot be decoded");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0 || w * h > MAX_PIXELS) {
                    throw bad("\"image\" is " + w + "x" + h + " pixels; at most " + MAX_PIXELS
                            + " pixels are accepted");
                }
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw bad("\"image\" cannot be decoded");
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // Decoders report broken files with IOExceptions and, for some malformations, runtime exceptions.
            throw bad("\"image\" cannot be decoded: " + e.getMessage());
        }
    }

    private static RequestCodec.BadRequest bad(String message) {
        return new RequestCodec.BadRequest("BAD_IMAGE", message, null);
    }
}
