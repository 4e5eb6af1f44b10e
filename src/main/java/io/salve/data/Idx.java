package io.salve.data;

import io.salve.core.SalveException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of (Fashion-)MNIST: a big-endian header {@code 0x00 0x00 type ndims}, one 32-bit size per
 * dimension, then the unsigned bytes. Files may be gzip-compressed or plain; the gzip magic decides, not the name.
 * Only unsigned-byte data ({@code 0x08}) is accepted, and the file must hold exactly the bytes its header announces.
 */
public final class Idx {

    /** Images as {@code count x rows x cols} unsigned bytes, row-major. */
    public record Images(int count, int rows, int cols, byte[] pixels) { }

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    private static final int BUFFER = 1 << 16;

    private Idx() { }

    /** Reads an image file (magic {@code 0x00000803}). */
    public static Images readImages(Path file) {
        return read(file, IMAGES_MAGIC, in -> {
            int count = dimension(file, in, "image count", 0);
            int rows = dimension(file, in, "row count", 1);
            int cols = dimension(file, in, "column count", 1);
            long size = (long) count * rows * cols;
            if (size > Integer.MAX_VALUE - 8) {
                throw corrupt(file, "header announces " + count + "x" + rows + "x" + cols + " images, too many to load");
            }
            return new Images(count, rows, cols, payload(file, in, (int) size, "pixel"));
        });
    }

    /** Reads a label file (magic {@code 0x00000801}); labels are returned as unsigned values 0-255. */
    public static int[] readLabels(Path file) {
        return read(file, LABELS_MAGIC, in -> {
            byte[] raw = payload(file, in, dimension(file, in, "label count", 0), "label");
            int[] labels = new int[raw.length];
            for (int i = 0; i < raw.length; i++) {
                labels[i] = raw[i] & 0xff;
            }
            return labels;
        });
    }

    private interface Body<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static <T> T read(Path file, int expectedMagic, Body<T> body) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
             DataInputStream in = new DataInputStream(decompressed(raw))) {
            checkMagic(file, in.readInt(), expectedMagic);
            return body.read(in);
        } catch (NoSuchFileException e) {
            throw new SalveException("DATA_MISSING", file + ": no such file", e);
        } catch (EOFException e) {
            throw corrupt(file, "truncated: the file ends early", e);
        } catch (IOException e) {
            // Includes broken gzip streams (ZipException): the bytes on disk are not what they should be.
            throw corrupt(file, "cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private static InputStream decompressed(InputStream raw) throws IOException {
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        return b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, BUFFER), BUFFER) : raw;
    }

    private static void checkMagic(Path file, int magic, int expected) {
        if (magic == expected) {
            return;
        }
        if ((magic >>> 16) != 0) {
            throw corrupt(file, String.format("bad magic number 0x%08x, not an IDX file (expected 0x%08x)", magic, expected));
        }
        int type = (magic >>> 8) & 0xff;
        int dims = magic & 0xff;
        if (type != 0x08) {
            throw corrupt(file, String.format("IDX element type 0x%02x is not unsigned byte (0x08)", type));
        }
        throw corrupt(file, "IDX file has " + dims + " dimensions, expected " + (expected & 0xff));
    }

    private static int dimension(Path file, DataInputStream in, String what, int min) throws IOException {
        int value = in.readInt();
        if (value < min) {
            throw corrupt(file, "header " + what + " " + Integer.toUnsignedString(value) + " is invalid");
        }
        return value;
    }

    private static byte[] payload(Path file, DataInputStream in, int size, String what) throws IOException {
        byte[] data = new byte[size];
        int got = in.readNBytes(data, 0, size);
        if (got < size) {
            throw corrupt(file, "truncated: holds " + got + " " + what + " bytes, header announces " + size);
        }
        if (in.read() != -1) {
            throw corrupt(file, "trailing bytes after the " + size + " " + what + " bytes the header announces");
        }
        return data;
    }

    private static SalveException corrupt(Path file, String what) {
        return new SalveException("DATA_CORRUPT", file + ": " + what);
    }

    private static SalveException corrupt(Path file, String what, Throwable cause) {
        return new SalveException("DATA_CORRUPT", file + ": " + what, cause);
    }
}
