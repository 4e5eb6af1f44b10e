package io.salve.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service process's resident set (from {@code /proc/PID/status}) and Java heap in use (the sum of its
 * {@code jvm_memory_used_bytes{area="heap"}} on {@code /metrics}) at a fixed interval. Both are cheap to read: the
 * heap used to come from {@code jcmd PID GC.heap_info}, whose JVM start every 10 s doubled the slowest answer of the
 * seconds that followed on two cores.
 */
final class MemorySampler implements AutoCloseable {

    /** One sample; {@code heapUsedMb} is NaN when /metrics could not be read. */
    record Sample(double t, double rssMb, double heapUsedMb) {
    }

    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final Pattern HEAP_USED = Pattern.compile(
            "^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\}\\s+(\\S+)$", Pattern.MULTILINE);

    private final long pid;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final HttpRequest metrics;
    private final long startNanos = System.nanoTime();
    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "salve-load-test-memory");
        t.setDaemon(true);
        return t;
    });

    /** @param httpBase the service's HTTP address, e.g. {@code http://127.0.0.1:8080} */
    MemorySampler(long pid, String httpBase, long intervalSeconds) {
        this.pid = pid;
        this.metrics = HttpRequest.newBuilder(URI.create(httpBase + "/metrics")).timeout(Duration.ofSeconds(5))
                .GET().build();
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

    private double heapUsedMb() {
        try {
            return heapUsedMb(http.send(metrics, HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** The heap's pools summed, from Prometheus text; NaN when it has none. */
    static double heapUsedMb(String prometheusText) {
        Matcher m = HEAP_USED.matcher(prometheusText);
        double bytes = 0;
        boolean any = false;
        while (m.find()) {
            bytes += Double.parseDouble(m.group(1));
            any = true;
        }
        return any ? bytes / (1024.0 * 1024.0) : Double.NaN;
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
