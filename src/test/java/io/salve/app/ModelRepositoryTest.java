package io.salve.app;

import io.salve.core.SalveException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A repository directory that is not one stops the start before any model is loaded or the broker started. */
class ModelRepositoryTest {

    @Test
    void aMissingOrNonDirectoryRepositoryIsBadConfig(@TempDir Path dir) throws Exception {
        SalveException missing = assertThrows(SalveException.class,
                () -> ModelRepository.create(dir.resolve("nowhere"), "demo"));
        assertEquals("BAD_CONFIG", missing.code());
        assertTrue(missing.getMessage().contains("SALVE_MODELS"), missing.getMessage());
        Path file = Files.writeString(dir.resolve("models.txt"), "not a directory");
        assertEquals("BAD_CONFIG", assertThrows(SalveException.class,
                () -> ModelRepository.create(file, "demo")).code());
        assertEquals("demo", ModelRepository.create(dir, "demo").defaultModel());
        assertEquals("demo", ModelRepository.create(null, "demo").defaultModel());
    }
}
