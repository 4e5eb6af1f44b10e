package io.salve.devbroker;

import io.salve.core.SalveException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/** The two child JVMs of a start: Kafka's storage format (first start only) and the broker itself. */
final class BrokerJvm {

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    /**
     * The broker runs in a session (and process group) of its own: a signal to the launcher's group (Ctrl-C,
     * {@code kill -TERM -PGID}, many supervisors) would otherwise stop it at the same moment as the service, before
     * the service has produced its last results and committed their offsets. The service stops it last, in its
     * coordinated shutdown, and {@link BrokerMain} ends it when the service dies. Without setsid (not Linux) the
     * broker stays in the launcher's group.
     */
    private static final List<String> OWN_SESSION = Files.isExecutable(Path.of("/usr/bin/setsid"))
            ? List.of("/usr/bin/setsid") : List.of();

    private BrokerJvm() { }

    /**
     * Formats the storage of a new data directory: {@code kafka.tools.StorageTool format} with a new cluster id, and
     * the SCRAM credentials of {@code scramUsers} (name to password) in the new metadata log.
     */
    static void format(String classPath, Path propsFile, Map<String, String> scramUsers, BrokerLog log,
                       Duration timeout) {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classPath, "kafka.tools.StorageTool", "format",
                "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString()));
        scramUsers.forEach((name, password) -> cmd.addAll(List.of("--add-scram",
                ServerProperties.SCRAM + "=[name=" + name + ",password=" + password + "]")));
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.file().toFile()))
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new SalveException("KAFKA_START_FAILED", "formatting the broker storage did not finish in "
                        + "time (salve.kafka.embedded.start-timeout)" + log.tail());
            }
            if (p.exitValue() != 0) {
                throw new SalveException("KAFKA_START_FAILED", "formatting the broker storage failed (exit "
                        + p.exitValue() + ")" + log.tail());
            }
        } catch (IOException e) {
            throw new SalveException("KAFKA_START_FAILED", "cannot run " + JAVA + " (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SalveException("KAFKA_START_FAILED", "interrupted while formatting the broker storage", e);
        }
    }

    /**
     * Starts {@link BrokerMain} in {@code dataDir}, its output appended to the log. Its standard input stays open
     * for as long as this JVM lives: that is how the child notices a parent that died without its hooks.
     */
    static Process start(String classPath, List<String> jvmOptions, Path dataDir, Path propsFile, BrokerLog log) {
        List<String> cmd = new ArrayList<>(OWN_SESSION);
        cmd.add(JAVA);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-Djava.awt.headless=true", "-cp", classPath, BrokerMain.class.getName(),
                propsFile.toString()));
        try {
            return new ProcessBuilder(cmd)
                    .directory(dataDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.file().toFile()))
                    .start();
        } catch (IOException e) {
            throw new SalveException("KAFKA_START_FAILED", "cannot start the broker JVM " + JAVA + " ("
                    + e.getMessage() + ")", e);
        }
    }
}
