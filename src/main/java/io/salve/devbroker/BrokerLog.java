package io.salve.devbroker;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The broker's standard output and error, appended to across restarts; {@code start} is where this start-up began,
 * so an error message quotes only what this start-up wrote.
 */
record BrokerLog(Path file, long start) {

    static final String FILE = "broker.log";

    static BrokerLog in(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        long size;
        try {
            size = Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            size = 0;
        }
        return new BrokerLog(file, size);
    }

    /** The last lines this start-up wrote, formatted to end an error message. */
    String tail() {
        final int maxBytes = 6000;
        final int maxLines = 40;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long from = Math.max(start, f.length() - maxBytes);
            byte[] buf = new byte[(int) Math.max(0, f.length() - from)];
            f.seek(from);
            f.readFully(buf);
            List<String> lines = new ArrayList<>(List.of(new String(buf, StandardCharsets.UTF_8).split("\n")));
            if (from > start && !lines.isEmpty()) {
                lines.remove(0);   // most likely cut in the middle
            }
            List<String> last = lines.subList(Math.max(0, lines.size() - maxLines), lines.size());
            return last.isEmpty() ? " (the broker log " + file + " is empty)"
                    : "; last lines of " + file + ":\n" + String.join("\n", last);
        } catch (IOException e) {
            return " (no broker log at " + file + ")";
        }
    }
}
