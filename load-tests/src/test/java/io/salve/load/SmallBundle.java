package io.salve.load;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A small bundle trained with `bin/salve train` for the end-to-end tests (one epoch on 2,000 images). */
final class SmallBundle {

    private SmallBundle() {
    }

    /** The project root, from the build ({@code salve.root}). */
    static Path root() {
        return Path.of(System.getProperty("salve.root")).toAbsolutePath().normalize();
    }

    /** Trains it into {@code dir}/bundle and returns that directory. */
    static Path train(Path dir) throws Exception {
        Path root = root();
        Path bundle = dir.resolve("bundle");
        ProcessBuilder train = new ProcessBuilder(root.resolve("bin/salve").toString(), "train", "--arch", "cnn",
                "--epochs", "1", "--limit", "2000", "--out", bundle.toString()).directory(root.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("train.log").toFile());
        train.environment().put("SALVE_THREADS", "1");
        Process p = train.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, Files.readString(dir.resolve("train.log")));
        return bundle;
    }
}
