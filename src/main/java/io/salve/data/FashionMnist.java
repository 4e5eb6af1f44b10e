package io.salve.data;

import io.salve.core.SalveException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fashion-MNIST (Xiao et al. 2017) from its four original IDX files: 60,000 training and 10,000 test images, 1x28x28,
 * ten classes. The files may be gzipped ({@code .gz}, as distributed) or not.
 */
public final class FashionMnist {

    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Environment variable that overrides {@link #DEFAULT_DIR}. */
    public static final String DIR_ENV = "SALVE_FASHION_MNIST_DIR";
    public static final int SIZE = 28;
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    private static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    private static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    private static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";

    private FashionMnist() { }

    /** {@code $SALVE_FASHION_MNIST_DIR} when set and not blank, else {@link #DEFAULT_DIR}. */
    public static Path defaultDir() {
        String env = System.getenv(DIR_ENV);
        return env == null || env.isBlank() ? DEFAULT_DIR : Path.of(env.strip());
    }

    public static ImageSet train(Path dir) {
        return load(dir, TRAIN_IMAGES, TRAIN_LABELS);
    }

    public static ImageSet test(Path dir) {
        return load(dir, TEST_IMAGES, TEST_LABELS);
    }

    private static ImageSet load(Path dir, String imagesName, String labelsName) {
        List<String> missing = new ArrayList<>();
        Path imagesFile = find(dir, imagesName, missing);
        Path labelsFile = find(dir, labelsName, missing);
        if (!missing.isEmpty()) {
            throw new SalveException("DATA_MISSING", "Fashion-MNIST not found in " + dir.toAbsolutePath()
                    + ": missing " + String.join(", ", missing) + ". Install it with "
                    + "'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu), or place the four files "
                    + String.join(", ", TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
                    + " (gzipped or not) in that directory, or pass --data-dir (or set " + DIR_ENV + ").");
        }
        Idx.Images images = Idx.readImages(imagesFile);
        int[] labels = Idx.readLabels(labelsFile);
        if (images.rows() != SIZE || images.cols() != SIZE) {
            throw new SalveException("DATA_CORRUPT", imagesFile + ": images are " + images.rows() + "x"
                    + images.cols() + ", Fashion-MNIST images are " + SIZE + "x" + SIZE);
        }
        if (images.count() != labels.length) {
            throw new SalveException("DATA_CORRUPT", imagesFile + " holds " + images.count() + " images but "
                    + labelsFile + " holds " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= CLASS_NAMES.size()) {
                throw new SalveException("DATA_CORRUPT", labelsFile + ": label " + labels[i] + " at index " + i
                        + " is not one of the " + CLASS_NAMES.size() + " classes");
            }
        }
        return new ImageSet(images.count(), 1, SIZE, SIZE, images.pixels(), labels, CLASS_NAMES);
    }

    /** The gzipped file, else the same name without {@code .gz}; records the gzipped name when neither exists. */
    private static Path find(Path dir, String gzName, List<String> missing) {
        Path gz = dir.resolve(gzName);
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(gzName.substring(0, gzName.length() - ".gz".length()));
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        missing.add(gzName);
        return null;
    }
}
