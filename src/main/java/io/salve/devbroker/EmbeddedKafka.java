package io.salve.devbroker;

import io.salve.core.SalveException;
import io.salve.kafka.KafkaConfig;
import io.salve.kafka.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.Reader;
import java.io.Writer;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) in a child JVM on this JVM's class path.
 * Its data, {@code server.properties} and {@code broker.log} live in the data directory; the storage is formatted
 * only when {@code log/meta.properties} is missing, so a restart keeps the topics, records and committed offsets.
 * The child is stopped by {@link #close()}, by a shutdown hook of this JVM, and (through {@link BrokerMain}) when
 * this JVM dies without running its hooks.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start(config.embedded())) {
 *     Topics.ensure(kafka.bootstrapServers(), config);
 *     ...
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String LOG_FILE = "broker.log";
    private static final String PROPERTIES_FILE = "server.properties";
    private static final String CONTROLLER_PORT = "salve.controller.port";

    private final Process process;
    private final OutputStream parentAlive;
    private final Thread shutdownHook;
    private final String bootstrapServers;
    private final Path dataDir;
    private final Duration startupTime;

    private EmbeddedKafka(Process process, OutputStream parentAlive, Thread shutdownHook, String bootstrapServers,
                          Path dataDir, Duration startupTime) {
        this.process = process;
        this.parentAlive = parentAlive;
        this.shutdownHook = shutdownHook;
        this.bootstrapServers = bootstrapServers;
        this.dataDir = dataDir;
        this.startupTime = startupTime;
    }

    /** Starts the broker of {@code salve.kafka.embedded} with this JVM's class path. */
    public static EmbeddedKafka start(KafkaConfig.Embedded cfg) {
        return start(cfg, System.getProperty("java.class.path"));
    }

    /**
     * Starts the broker and waits until it answers requests.
     *
     * @param classPath class path of the child JVM: it must hold kafka_2.13 and this class (when this JVM runs from
     *                  a jar whose manifest lists its libraries, that jar alone is enough)
     * @throws SalveException {@code PORT_IN_USE} when the port is taken, {@code KAFKA_START_FAILED} when the broker
     *                        does not come up in time (with the tail of its log)
     */
    public static EmbeddedKafka start(KafkaConfig.Embedded cfg, String classPath) {
        long t0 = System.nanoTime();
        long deadline = t0 + cfg.startTimeout().toNanos();   // for format and start together
        classPath = absolute(classPath);
        Path dir = cfg.dataDir().toAbsolutePath().normalize();
        Path logDir = dir.resolve("log");
        Path propsFile = dir.resolve(PROPERTIES_FILE);
        Path logFile = dir.resolve(LOG_FILE);
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new SalveException("KAFKA_START_FAILED", dir + ": cannot create the broker's data directory ("
                    + e.getMessage() + ")", e);
        }
        int port = cfg.port() == 0 ? freePort(cfg.host()) : checkFree(cfg.host(), cfg.port());
        int controllerPort = controllerPort(cfg.host(), propsFile, port);
        Properties props = serverProperties(cfg.host(), port, controllerPort, logDir);
        try (Writer w = Files.newBufferedWriter(propsFile, StandardCharsets.UTF_8)) {
            props.store(w, "Written by SALVE serving (EmbeddedKafka) at every start; edits are overwritten");
        } catch (IOException e) {
            throw new SalveException("KAFKA_START_FAILED", propsFile + ": cannot write (" + e.getMessage() + ")", e);
        }
        long logStart = size(logFile);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        if (!Files.exists(logDir.resolve("meta.properties"))) {
            format(java, classPath, propsFile, logFile, logStart, Duration.ofNanos(deadline - System.nanoTime()));
        }

        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(cfg.jvmOptions());
        cmd.addAll(List.of("-Djava.awt.headless=true", "-cp", classPath, BrokerMain.class.getName(),
                propsFile.toString()));
        Process process;
        try {
            process = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new SalveException("KAFKA_START_FAILED", "cannot start the broker JVM " + java + " ("
                    + e.getMessage() + ")", e);
        }
        Thread hook = new Thread(() -> stop(process), "salve-embedded-kafka-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        String bootstrap = cfg.host() + ":" + port;
        try {
            awaitReady(process, cfg.host(), port, bootstrap, deadline, logFile, logStart);
        } catch (RuntimeException e) {
            stop(process);
            removeHook(hook);
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("embedded Kafka broker ready at {} in {} ms (data {})", bootstrap, took.toMillis(), dir);
        return new EmbeddedKafka(process, process.getOutputStream(), hook, bootstrap, dir, took);
    }

    /** The class path with relative entries made absolute: the child runs in the data directory. */
    static String absolute(String classPath) {
        List<String> entries = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
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
        return dataDir.resolve(LOG_FILE);
    }

    /** From {@link #start} to the broker answering requests (including a first-time format). */
    public Duration startupTime() {
        return startupTime;
    }

    public boolean isAlive() {
        return process.isAlive();
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

    private static Properties serverProperties(String host, int port, int controllerPort, Path logDir) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.setProperty("log.dirs", logDir.toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        // 50 partitions by default: creating them delays the first consumer group join on a single small node.
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        p.setProperty(CONTROLLER_PORT, Integer.toString(controllerPort));   // ignored by Kafka, read on restart
        return p;
    }

    /** The controller port of the previous run when it is still free (the quorum keeps its address), else a new one. */
    private static int controllerPort(String host, Path propsFile, int brokerPort) {
        if (Files.isRegularFile(propsFile)) {
            Properties old = new Properties();
            try (Reader r = Files.newBufferedReader(propsFile, StandardCharsets.UTF_8)) {
                old.load(r);
                int previous = Integer.parseInt(old.getProperty(CONTROLLER_PORT, "-1"));
                if (previous > 0 && previous != brokerPort && isFree(host, previous)) {
                    return previous;
                }
            } catch (IOException | RuntimeException ignored) {
                // a new port then
            }
        }
        int p;
        do {
            p = freePort(host);
        } while (p == brokerPort);
        return p;
    }

    private static void format(String java, String classPath, Path propsFile, Path logFile, long logStart,
                               Duration timeout) {
        List<String> cmd = List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classPath, "kafka.tools.StorageTool", "format",
                "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString());
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new SalveException("KAFKA_START_FAILED", "formatting the broker storage did not finish in "
                        + "time (salve.kafka.embedded.start-timeout)" + tail(logFile, logStart));
            }
            if (p.exitValue() != 0) {
                throw new SalveException("KAFKA_START_FAILED", "formatting the broker storage failed (exit "
                        + p.exitValue() + ")" + tail(logFile, logStart));
            }
        } catch (IOException e) {
            throw new SalveException("KAFKA_START_FAILED", "cannot run " + java + " (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SalveException("KAFKA_START_FAILED", "interrupted while formatting the broker storage", e);
        }
    }

    private static void awaitReady(Process process, String host, int port, String bootstrap, long deadline,
                                   Path logFile, long logStart) {
        // First the listener (cheap to poll, and the admin client logs every refused connection) ...
        while (!canConnect(host, port)) {
            checkAlive(process, logFile, logStart);
            checkDeadline(deadline, bootstrap, logFile, logStart);
            sleep(100);
        }
        // ... then a real request: the broker is registered with the controller and serves metadata.
        Map<String, Object> conf = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.CLIENT_ID_CONFIG, "salve-embedded-kafka-probe");
        try (Admin admin = Admin.create(conf)) {
            while (true) {
                checkAlive(process, logFile, logStart);
                checkDeadline(deadline, bootstrap, logFile, logStart);
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000))
                            .nodes().get(6, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // not ready yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SalveException("KAFKA_START_FAILED", "interrupted while waiting for the broker", e);
                }
                sleep(200);
            }
        }
    }

    private static void checkAlive(Process process, Path logFile, long logStart) {
        if (!process.isAlive()) {
            String tail = tail(logFile, logStart);
            String code = tail.contains("Address already in use") ? "PORT_IN_USE" : "KAFKA_START_FAILED";
            throw new SalveException(code, "the Kafka broker exited during start-up (exit " + process.exitValue()
                    + ")" + tail);
        }
    }

    private static void checkDeadline(long deadline, String bootstrap, Path logFile, long logStart) {
        if (System.nanoTime() > deadline) {
            throw new SalveException("KAFKA_START_FAILED", "the Kafka broker at " + bootstrap
                    + " did not come up in time (salve.kafka.embedded.start-timeout)" + tail(logFile, logStart));
        }
    }

    private static boolean canConnect(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int checkFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(host, port));
            return port;
        } catch (BindException e) {
            throw new SalveException("PORT_IN_USE", host + ":" + port + " is already in use: stop what listens "
                    + "there (another broker?), or set salve.kafka.embedded.port (SALVE_KAFKA_PORT; 0 = any free "
                    + "port), or point salve.kafka.bootstrap-servers at a running cluster", e);
        } catch (IOException e) {
            throw new SalveException("KAFKA_START_FAILED", "cannot listen on " + host + ":" + port + " ("
                    + e.getMessage() + ")", e);
        }
    }

    private static boolean isFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(host, 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new SalveException("KAFKA_START_FAILED", "cannot find a free port on " + host + " ("
                    + e.getMessage() + ")", e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last lines this start-up wrote to the broker log, formatted for an error message. */
    static String tail(Path logFile, long from) {
        final int maxBytes = 6000;
        final int maxLines = 40;
        try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
            long start = Math.max(from, f.length() - maxBytes);
            byte[] buf = new byte[(int) Math.max(0, f.length() - start)];
            f.seek(start);
            f.readFully(buf);
            List<String> lines = new ArrayList<>(List.of(new String(buf, StandardCharsets.UTF_8).split("\n")));
            if (start > from && !lines.isEmpty()) {
                lines.remove(0);   // most likely cut in the middle
            }
            List<String> last = lines.subList(Math.max(0, lines.size() - maxLines), lines.size());
            return last.isEmpty() ? " (the broker log " + logFile + " is empty)"
                    : "; last lines of " + logFile + ":\n" + String.join("\n", last);
        } catch (IOException e) {
            return " (no broker log at " + logFile + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SalveException("KAFKA_START_FAILED", "interrupted while waiting for the broker", e);
        }
    }
}
