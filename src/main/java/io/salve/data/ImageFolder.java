package io.salve.data;

import io.salve.core.SalveException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A labelled data set of the user's own images: {@code root/<class>/<image>.png|jpg|jpeg}, one sub-folder per class.
 * Class names are the sub-folder names in sorted order (label = index). Hidden files and folders (names starting with
 * {@code .}) and files with other extensions are ignored. Every image is converted to the requested channels (1 = grey
 * by Rec. 601 luminance, 3 = RGB; transparent areas become black) and resized to {@code height x width} by a
 * {@link Resize} policy ({@link Resize#SQUASH} unless the caller names another).
 */
public final class ImageFolder {

    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg");

    private ImageFolder() { }

    public static ImageSet load(Path root, int channels, int height, int width) {
        return load(root, channels, height, width, Resize.SQUASH);
    }

    public static ImageSet load(Path root, int channels, int height, int width, Resize resize) {
        if ((channels != 1 && channels != 3) || height <= 0 || width <= 0) {
            throw new SalveException("BAD_SHAPE", "image shape must be 1 or 3 channels and a positive size, got "
                    + channels + "x" + height + "x" + width);
        }
        List<String> classes = classNames(root);
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            Path classDir = root.resolve(classes.get(label));
            List<Path> classFiles = list(classDir, f -> Files.isRegularFile(f) && isImageName(f));
            if (classFiles.isEmpty()) {
                // An empty class would silently become a class the model can never learn.
                throw new SalveException("DATA_EMPTY", classDir + ": class folder holds no PNG or JPEG images");
            }
            files.addAll(classFiles);
            labels.addAll(Collections.nCopies(classFiles.size(), label));
        }
        int imageSize = channels * height * width;
        byte[] pixels = new byte[Math.multiplyExact(files.size(), imageSize)];
        for (int i = 0; i < files.size(); i++) {
            toChannelFirst(resize.apply(decode(files.get(i)), height, width), channels, pixels, i * imageSize);
        }
        return new ImageSet(files.size(), channels, height, width, pixels,
                labels.stream().mapToInt(Integer::intValue).toArray(), classes);
    }

    /** The class names under {@code root}: its non-hidden sub-folders, sorted. */
    public static List<String> classNames(Path root) {
        if (!Files.isDirectory(root)) {
            throw new SalveException("DATA_MISSING", root.toAbsolutePath() + ": image folder does not exist");
        }
        List<String> classes = list(root, Files::isDirectory).stream().map(p -> p.getFileName().toString()).toList();
        if (classes.isEmpty()) {
            throw new SalveException("DATA_EMPTY", root.toAbsolutePath()
                    + ": no class sub-folders (expected one folder of images per class, e.g. " + root + "/cat/1.png)");
        }
        return classes;
    }

    /** Non-hidden entries of {@code dir} accepted by {@code filter}, sorted by name for a reproducible order. */
    private static List<Path> list(Path dir, Predicate<Path> filter) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(filter)
                    .sorted()
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new SalveException("DATA_MISSING", dir + ": cannot list folder (" + e.getMessage() + ")", e);
        }
    }

    private static boolean isImageName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static BufferedImage decode(Path file) {
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            // Decoders report broken files with IOExceptions and, for some malformations, runtime exceptions.
            throw new SalveException("DATA_CORRUPT", file + ": cannot decode image (" + e.getMessage() + ")", e);
        }
        if (image == null) {
            throw new SalveException("DATA_CORRUPT", file + ": not a readable PNG or JPEG image");
        }
        return image;
    }

    /**
     * One decoded image as the model sees it: {@code channels} (1 = grey, 3 = RGB) planes of {@code height x width}
     * bytes, converted and resized exactly as training images are (served images must match them).
     */
    public static byte[] pixels(BufferedImage image, int channels, int height, int width) {
        return pixels(image, channels, height, width, Resize.SQUASH);
    }

    /** As {@link #pixels(BufferedImage, int, int, int)}, resized by {@code resize}. */
    public static byte[] pixels(BufferedImage image, int channels, int height, int width, Resize resize) {
        byte[] out = new byte[channels * height * width];
        toChannelFirst(resize.apply(image, height, width), channels, out, 0);
        return out;
    }

    /**
     * Every image of {@code set} converted to {@code channels} (grey to RGB repeats the grey value) and resized to
     * {@code height x width}; the set itself when it has that shape already.
     */
    public static ImageSet convert(ImageSet set, int channels, int height, int width, Resize resize) {
        if (set.channels() == channels && set.height() == height && set.width() == width) {
            return set;
        }
        int plane = set.height() * set.width();
        byte[] pixels = new byte[Math.multiplyExact(set.count(), channels * height * width)];
        BufferedImage image = new BufferedImage(set.width(), set.height(), BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[plane];
        for (int n = 0; n < set.count(); n++) {
            int offset = n * set.imageSize();
            for (int i = 0; i < plane; i++) {
                int r = set.pixels()[offset + i] & 0xff;
                int g = set.channels() == 1 ? r : set.pixels()[offset + plane + i] & 0xff;
                int b = set.channels() == 1 ? r : set.pixels()[offset + 2 * plane + i] & 0xff;
                rgb[i] = (r << 16) | (g << 8) | b;
            }
            image.setRGB(0, 0, set.width(), set.height(), rgb, 0, set.width());
            toChannelFirst(resize.apply(image, height, width), channels, pixels, n * channels * height * width);
        }
        return new ImageSet(set.count(), channels, height, width, pixels, set.labels(), set.classNames());
    }

    /** Writes {@code rgb} into {@code out} at {@code offset} as {@code channels} planes of bytes. */
    private static void toChannelFirst(BufferedImage rgb, int channels, byte[] out, int offset) {
        int[] argb = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
        int plane = argb.length;
        for (int i = 0; i < plane; i++) {
            int r = (argb[i] >> 16) & 0xff;
            int g = (argb[i] >> 8) & 0xff;
            int b = argb[i] & 0xff;
            if (channels == 1) {
                out[offset + i] = (byte) ((299 * r + 587 * g + 114 * b + 500) / 1000);
            } else {
                out[offset + i] = (byte) r;
                out[offset + plane + i] = (byte) g;
                out[offset + 2 * plane + i] = (byte) b;
            }
        }
    }
}
