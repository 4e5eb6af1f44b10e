package io.salve.data;

import io.salve.core.SalveException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads a data set split by name, as the CLI and service name them.
 * <ul>
 *   <li>{@code fashion-mnist}: the IDX files in {@code dir}, or {@link FashionMnist#defaultDir()} when {@code dir}
 *       is null. 1x28x28, converted to another shape when the caller asks for one.</li>
 *   <li>{@code folder}: an {@link ImageFolder} at {@code dir} (required). When {@code dir/train} and
 *       {@code dir/test} both exist they are the two splits and must hold the same class folders; when neither
 *       exists the whole folder serves as both the train and the test split (no held-out data). Images are
 *       1x28x28 unless the caller passes another shape.</li>
 * </ul>
 */
public final class DataSources {

    public static final String FASHION_MNIST = "fashion-mnist";
    public static final String FOLDER = "folder";

    private DataSources() { }

    public static ImageSet load(String name, Path dir, boolean train) {
        return load(name, dir, train, 1, FashionMnist.SIZE, FashionMnist.SIZE);
    }

    public static ImageSet load(String name, Path dir, boolean train, int channels, int height, int width) {
        return load(name, dir, train, channels, height, width, Resize.SQUASH);
    }

    /** A split as images of {@code channels x height x width}, resized by {@code resize}. */
    public static ImageSet load(String name, Path dir, boolean train, int channels, int height, int width,
                                Resize resize) {
        return switch (name) {
            case FASHION_MNIST -> {
                Path d = dir == null ? FashionMnist.defaultDir() : dir;
                yield ImageFolder.convert(train ? FashionMnist.train(d) : FashionMnist.test(d), channels, height, width,
                        resize);
            }
            case FOLDER -> ImageFolder.load(folderSplit(dir, train), channels, height, width, resize);
            default -> throw new SalveException("UNKNOWN_DATASET",
                    "unknown data set '" + name + "' (expected " + FASHION_MNIST + " or " + FOLDER + ")");
        };
    }

    private static Path folderSplit(Path dir, boolean train) {
        if (dir == null) {
            throw new SalveException("DATA_MISSING", "the folder data set needs a directory of images (--data-dir)");
        }
        Path trainDir = dir.resolve("train");
        Path testDir = dir.resolve("test");
        boolean hasTrain = Files.isDirectory(trainDir);
        boolean hasTest = Files.isDirectory(testDir);
        if (!hasTrain && !hasTest) {
            return dir;
        }
        if (hasTrain != hasTest) {
            throw new SalveException("DATA_MISSING", dir.toAbsolutePath() + ": has " + (hasTrain ? "train" : "test")
                    + "/ but no " + (hasTrain ? "test" : "train") + "/ sub-folder; provide both splits, or put the "
                    + "class folders directly in " + dir + " to use all images for both");
        }
        // Labels are indices into the sorted class names, so both splits must name the same classes.
        List<String> trainClasses = ImageFolder.classNames(trainDir);
        List<String> testClasses = ImageFolder.classNames(testDir);
        if (!trainClasses.equals(testClasses)) {
            throw new SalveException("DATA_MISMATCH", dir.toAbsolutePath() + ": train classes " + trainClasses
                    + " differ from test classes " + testClasses);
        }
        return train ? trainDir : testDir;
    }
}
