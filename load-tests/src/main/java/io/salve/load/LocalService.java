package io.salve.load;

import io.salve.devbroker.Ports;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bin/salve serve} as a child process on embedded defaults: free HTTP and Kafka ports, the broker's data and
 * the edit journal in a temporary directory (so no run sees another's requests or edits), its output in a log file.
 * It runs in a process group of its own ({@code setsid}), so a fault can signal the group as Ctrl-C does, and can be
 * started again on the same ports and data ({@link #startAgain}). Stopped with SIGTERM (the service's graceful
 * shutdown), killed only if that takes more than a minute.
 */
final class LocalService implements AutoCloseable {

    private final ProcessBuilder command;
    private final Path workDir;
    private final int httpPort;
    private final int kafkaPort;
    private final Duration timeout;
    private final PrintStream progress;
    private final Thread stopOnExit;
    private Process process;

    private LocalService(ProcessBuilder command, Path workDir, int httpPort, int kafkaPort, Duration timeout,
                         PrintStream progress) {
        this.command = command;
        this.workDir = workDir;
        this.httpPort = httpPort;
        this.kafkaPort = kafkaPort;
        this.timeout = timeout;
        this.progress = progress;
        // Ctrl-C on the load test must not leave a service (and its broker) behind.
        this.stopOnExit = new Thread(this::stop, "salve-load-test-stop-service");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
    }

    /**
     * Starts the service from the project {@code root} and waits until {@code /health/ready} answers 200.
     *
     * @param env       extra environment, e.g. SALVE_BUNDLE, SALVE_API_TOKEN
     * @param javaOpts  the service JVM's options (SALVE_JAVA_OPTS), e.g. "-Xmx2g -Dsalve.batching.max-batch=16"
     */
    static LocalService start(Path root, Map<String, String> env, String javaOpts, Path log, Duration timeout,
                              PrintStream progress) {
        try {
            Path workDir = Files.createTempDirectory("salve-load-test");
            int http = Ports.free("127.0.0.1");
            int kafka = Ports.free("127.0.0.1");
            ProcessBuilder pb = new ProcessBuilder("setsid", root.resolve("bin/salve").toString(), "serve")
                    .directory(root.toFile()).redirectErrorStream(true);
            pb.environment().putAll(env);
            pb.environment().putAll(Map.of("SALVE_HTTP_HOST", "127.0.0.1", "SALVE_HTTP_PORT", Integer.toString(http),
                    "SALVE_KAFKA_HOST", "127.0.0.1", "SALVE_KAFKA_PORT", Integer.toString(kafka),
                    "SALVE_KAFKA_DATA_DIR", workDir.resolve("kafka").toString(),
                    "SALVE_JOURNAL_DIR", workDir.resolve("journal").toString(), "SALVE_JAVA_OPTS", javaOpts));
            progress.printf("starting bin/salve serve (HTTP %d, Kafka %d, log %s) ...%n", http, kafka, log);
            Files.deleteIfExists(log);   // one log per service; its restarts append to it
            LocalService service = new LocalService(pb, workDir, http, kafka, timeout, progress);
            service.startAgain(log);
            return service;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts the service (again, after it stopped) on the same ports and data, its output appended to {@code log},
     * and returns {@link System#nanoTime()} when {@code /health/ready} first answered 200.
     */
    long startAgain(Path log) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the service is still running");
        }
        // After a kill -9 the broker child notices its parent's end and releases the port a moment later.
        long portDeadline = System.nanoTime() + 60_000_000_000L;
        while (!Ports.isFree("127.0.0.1", kafkaPort) && System.nanoTime() < portDeadline) {
            sleep(200);
        }
        try {
            process = command.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return awaitReady(log, timeout, progress);
    }

    /** {@code kill -SIGNAL -- -PID}: the signal to the service's whole process group, then waits for its exit. */
    void signalGroup(String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, "--", "-" + process.pid()).inheritIO().start().waitFor();
            awaitExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** {@code kill -9} of the service's JVM alone, as a crash; waits for its exit. */
    void kill() {
        process.destroyForcibly();
        awaitExit();
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the service did not exit within 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    String bootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    String http() {
        return "http://127.0.0.1:" + httpPort;
    }

    long pid() {
        return process.pid();
    }

    private long awaitReady(Path log, Duration timeout, PrintStream progress) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(http() + "/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        long start = System.nanoTime();
        long lastNote = start;
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with code " + process.exitValue()
                        + " before it was ready; last lines of " + log + ":\n" + tail(log));
            }
            try {
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    long now = System.nanoTime();
                    progress.printf("service ready after %.0f s%n", (now - start) / 1e9);
                    return now;
                }
            } catch (IOException e) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the service", e);
            }
            long now = System.nanoTime();
            if (now - start > timeout.toNanos()) {
                close();
                throw new IllegalStateException("the service was not ready after " + timeout.toSeconds()
                        + " s; last lines of " + log + ":\n" + tail(log));
            }
            if (now - lastNote > 15_000_000_000L) {
                // The first start may build the jar and the demo bundle (minutes).
                progress.printf("waiting for %s/health/ready (%.0f s) ...%n", http(), (now - start) / 1e9);
                lastNote = now;
            }
            sleep(500);
        }
    }

    private void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(workDir);
    }

    /** SIGTERM, wait for the graceful shutdown, remove the temporary directory. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running this.
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(cannot read it: " + e + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is harmless.
        }
    }
}
