package io.salve.devbroker;

import io.salve.core.SalveException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) in a child JVM: the development broker of
 * {@code salve serve}, {@code salve broker}, {@code salve bench} and the tests. Its data, {@code server.properties}
 * and {@code broker.log} live in the data directory; the storage is formatted only when {@code log/meta.properties}
 * is missing, so a restart keeps the topics, records and committed offsets. The child is stopped by
 * {@link #close()}, by a shutdown hook of this JVM, and (through {@link BrokerMain}) when this JVM dies without
 * running its hooks.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start(settings)) {
 *     String bootstrap = kafka.bootstrapServers();
 *     ...
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Process process;
    private final OutputStream parentAlive;
    private final Thread shutdownHook;
    private final String bootstrapServers;
    private final Path dataDir;
    private final Duration startupTime;

    private EmbeddedKafka(Process process, Thread shutdownHook, String bootstrapServers, Path dataDir,
                          Duration startupTime) {
        this.process = process;
        this.parentAlive = process.getOutputStream();
        this.shutdownHook = shutdownHook;
        this.bootstrapServers = bootstrapServers;
        this.dataDir = dataDir;
        this.startupTime = startupTime;
    }

    /** Starts the broker with the class path that carries it (see {@link BrokerClassPath}). */
    public static EmbeddedKafka start(BrokerSettings settings) {
        return start(settings, BrokerClassPath.current());
    }

    /**
     * Starts the broker and waits until it answers requests.
     *
     * @param classPath class path of the child JVM: it must hold kafka_2.13 and {@link BrokerMain}
     * @throws SalveException {@code PORT_IN_USE} when the port is taken, {@code KAFKA_START_FAILED} when the broker
     *                        does not come up in time (with the tail of its log)
     */
    public static EmbeddedKafka start(BrokerSettings settings, String classPath) {
        long t0 = System.nanoTime();
        long deadline = t0 + settings.startTimeout().toNanos();   // for format and start together
        classPath = BrokerClassPath.absolute(classPath);
        Path dir = settings.dataDir().toAbsolutePath().normalize();
        Path logDir = dir.resolve("log");
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new SalveException("KAFKA_START_FAILED", dir + ": cannot create the broker's data directory ("
                    + e.getMessage() + ")", e);
        }
        String host = settings.host();
        int port = settings.port() == 0 ? Ports.free(host) : checkFree(host, settings.port());
        Path propsFile = ServerProperties.write(dir, host, port, logDir, settings.saslUsers());
        BrokerLog log = BrokerLog.in(dir);
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            BrokerJvm.format(classPath, propsFile, settings.saslUsers(), log,
                    Duration.ofNanos(deadline - System.nanoTime()));
        }

        Process process = BrokerJvm.start(classPath, settings.jvmOptions(), dir, propsFile, log);
        Thread hook = new Thread(() -> stop(process), "salve-embedded-kafka-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Readiness.await(process, host, port, settings.probeClient(), deadline, log);
        } catch (RuntimeException e) {
            stop(process);
            removeHook(hook);
            throw e;
        }
        String bootstrap = host + ":" + port;
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("embedded Kafka broker ready at {} in {} ms (data {})", bootstrap, took.toMillis(), dir);
        return new EmbeddedKafka(process, hook, bootstrap, dir, took);
    }

    /** {@code host:port} of the broker's client listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The broker's standard output and error (appended to across restarts). */
    public Path logFile() {
        return dataDir.resolve(BrokerLog.FILE);
    }

    /** From {@link #start} to the broker answering requests (including a first-time format). */
    public Duration startupTime() {
        return startupTime;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Blocks until the broker's JVM has exited (stopped by {@link #close()}, the shutdown hook, or a crash). */
    public int awaitExit() throws InterruptedException {
        return process.waitFor();
    }

    /**
     * Leaves stopping the broker to the caller's own orderly shutdown (which must drain its clients first). The JVM
     * hook would otherwise stop the broker concurrently with that drain; the child still exits with its parent, as
     * {@link BrokerMain} watches for it.
     */
    public void detachShutdownHook() {
        removeHook(shutdownHook);
    }

    /** Stops the broker (SIGTERM: a controlled shutdown; killed when it takes longer than 30 s). Idempotent. */
    @Override
    public void close() {
        stop(process);
        try {
            parentAlive.close();
        } catch (IOException ignored) {
            // the child is gone
        }
        removeHook(shutdownHook);
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down and runs the hook
        }
    }

    private static void stop(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int checkFree(String host, int port) {
        if (!Ports.isFree(host, port)) {
            throw new SalveException("PORT_IN_USE", host + ":" + port + " is already in use: stop what listens "
                    + "there (another broker?), or choose another port (salve broker --port, SALVE_KAFKA_PORT; "
                    + "0 = any free port), or point salve.kafka.bootstrap-servers at a running cluster");
        }
        return port;
    }
}
