package io.salve.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.salve.core.SalveException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {

    @Test
    void roundTripsNamedArrays(@TempDir Path dir) {
        Map<String, Object> arrays = new LinkedHashMap<>();
        arrays.put("W", new float[][] {{1, 2, 3}, {4, 5, 6}});
        arrays.put("b", new float[] {0.5f, -0.5f});
        arrays.put("labels", new int[] {3, 1, 4});
        Path file = dir.resolve("x.npz");
        Npz.write(file, arrays);

        Npz back = Npz.read(file);
        assertArrayEquals(new float[] {4, 5, 6}, back.matrix("W")[1]);
        assertArrayEquals(new float[] {0.5f, -0.5f}, back.vector("b"));
        assertArrayEquals(new int[] {3, 1, 4}, back.ints("labels"));
    }

    @Test
    void garbageFileIsReportedAsCorrupt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.npz");
        Files.writeString(file, "not a zip");
        SalveException e = assertThrows(SalveException.class, () -> Npz.read(file).matrix("W"));
        assertEquals("BUNDLE_CORRUPT", e.code());
    }
}
