package io.salve.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.salve.core.SalveException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named float/int arrays in NumPy's {@code .npz} format (readable with {@code numpy.load}), so bundles can be
 * inspected and produced outside Java. Values are {@code float[][]} (matrices), {@code float[]} or {@code int[]}.
 */
public final class Npz {

    private final Map<String, Object> arrays;

    private Npz(Map<String, Object> arrays) {
        this.arrays = arrays;
    }

    public static void write(Path file, Map<String, Object> arrays) {
        try (NDManager manager = NDManager.newBaseManager();
             OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            NDList list = new NDList();
            arrays.forEach((name, value) -> {
                NDArray array = toArray(manager, name, value);
                array.setName(name);
                list.add(array);
            });
            list.encode(out, NDList.Encoding.NPZ);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static Npz read(Path file) {
        try (NDManager manager = NDManager.newBaseManager();
             InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            Map<String, Object> arrays = new LinkedHashMap<>();
            for (NDArray array : NDList.decode(manager, in)) {
                arrays.put(array.getName(), fromArray(array));
            }
            return new Npz(arrays);
        } catch (NoSuchFileException e) {
            throw new SalveException("BUNDLE_INCOMPLETE", "missing file " + file, e);
        } catch (IOException | RuntimeException e) {
            throw new SalveException("BUNDLE_CORRUPT", "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public float[][] matrix(String name) {
        return (float[][]) get(name, float[][].class);
    }

    public float[] vector(String name) {
        return (float[]) get(name, float[].class);
    }

    public int[] ints(String name) {
        return (int[]) get(name, int[].class);
    }

    public boolean has(String name) {
        return arrays.containsKey(name);
    }

    private Object get(String name, Class<?> type) {
        Object value = arrays.get(name);
        if (!type.isInstance(value)) {
            throw new SalveException("BUNDLE_CORRUPT", "array '" + name + "' is missing or not a "
                    + type.getSimpleName() + " (found " + (value == null ? "nothing" : value.getClass().getSimpleName()) + ")");
        }
        return value;
    }

    private static NDArray toArray(NDManager manager, String name, Object value) {
        if (value instanceof float[][] m) {
            int cols = m.length == 0 ? 0 : m[0].length;
            float[] flat = new float[m.length * cols];
            for (int i = 0; i < m.length; i++) {
                System.arraycopy(m[i], 0, flat, i * cols, cols);
            }
            return manager.create(flat, new Shape(m.length, cols));
        }
        if (value instanceof float[] v) {
            return manager.create(v);
        }
        if (value instanceof int[] v) {
            return manager.create(v);
        }
        throw new IllegalArgumentException("cannot store " + name + " of type " + value.getClass());
    }

    private static Object fromArray(NDArray array) {
        Shape shape = array.getShape();
        if (array.getDataType() == DataType.INT32) {
            return array.toIntArray();
        }
        float[] flat = array.toType(DataType.FLOAT32, false).toFloatArray();
        if (shape.dimension() == 1) {
            return flat;
        }
        int rows = (int) shape.get(0);
        int cols = (int) (shape.size() / Math.max(1, rows));
        float[][] m = new float[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, m[i], 0, cols);
        }
        return m;
    }
}
