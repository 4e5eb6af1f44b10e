package io.salve.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service process's resident set (from {@code /proc/PID/status}) and Java heap in use (from
 * {@code jcmd PID GC.heap_info}) at a fixed interval. The service exports no JVM metrics, so jcmd (a short JVM of
 * its own per sample) is how the heap is read; keep the interval at several seconds on a small machine.
 */
final class MemorySampler implements AutoCloseable {

    /** One sample; {@code heapUsedMb} is NaN when jcmd could not read it. */
    record Sample(double t, double rssMb, double heapUsedMb) {
    }

    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private final long pid;
    private final long startNanos = System.nanoTime();
    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "salve-load-test-memory");
        t.setDaemon(true);
        return t;
    });

    MemorySampler(long pid, long intervalSeconds) {
        this.pid = pid;
        timer.scheduleAtFixedRate(this::sample, 0, intervalSeconds, TimeUnit.SECONDS);
    }

    private void sample() {
        double t = (System.nanoTime() - startNanos) / 1e9;
        Sample s = new Sample(t, rssMb(), heapUsedMb());
        synchronized (samples) {
            samples.add(s);
        }
    }

    private double rssMb() {
        try {
            Matcher m = RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
            return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : Double.NaN;
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** The first "used NK" of GC.heap_info is the whole heap's (G1 and Serial print it first). */
    private double heapUsedMb() {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(10, TimeUnit.SECONDS);
            Matcher m = HEAP_USED.matcher(out);
            return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : Double.NaN;
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
