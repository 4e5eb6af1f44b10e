package io.salve.devbroker;

import io.salve.core.SalveException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The {@code server.properties} of a single-node KRaft broker (combined broker and controller), rewritten at every
 * start. The controller port is kept across restarts when it is still free: the quorum remembers its address.
 */
final class ServerProperties {

    static final String FILE = "server.properties";
    /** The SASL mechanism of the client listener when it takes logins. */
    static final String SCRAM = "SCRAM-SHA-256";
    private static final String CONTROLLER_PORT = "salve.controller.port";   // ignored by Kafka, read on restart

    private ServerProperties() { }

    /**
     * Writes the file for a broker listening on {@code host:port} with its logs in {@code logDir}; with
     * {@code saslUsers}, the client listener takes SASL/SCRAM-SHA-256 logins of those users only.
     */
    static Path write(Path dataDir, String host, int port, Path logDir, Map<String, String> saslUsers) {
        Path file = dataDir.resolve(FILE);
        int controllerPort = controllerPort(host, file, port);
        Properties props = properties(host, port, controllerPort, logDir);
        if (!saslUsers.isEmpty()) {
            sasl(props, host, port, controllerPort, saslUsers);
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(w, "Written by SALVE serving (EmbeddedKafka) at every start; edits are overwritten");
        } catch (IOException e) {
            throw new SalveException("KAFKA_START_FAILED", file + ": cannot write (" + e.getMessage() + ")", e);
        }
        return file;
    }

    private static Properties properties(String host, int port, int controllerPort, Path logDir) {
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
        p.setProperty(CONTROLLER_PORT, Integer.toString(controllerPort));
        return p;
    }

    /**
     * One SASL_PLAINTEXT listener taking SCRAM-SHA-256 logins, for clients and the broker itself (the first user is
     * the broker's identity; the credentials are written into the metadata log when the storage is formatted); the
     * controller stays on its own plaintext listener.
     */
    private static void sasl(Properties p, String host, int port, int controllerPort, Map<String, String> users) {
        p.setProperty("listeners", "SASL_PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":"
                + controllerPort);
        p.setProperty("advertised.listeners", "SASL_PLAINTEXT://" + host + ":" + port);
        p.setProperty("inter.broker.listener.name", "SASL_PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
        p.setProperty("sasl.enabled.mechanisms", SCRAM);
        p.setProperty("sasl.mechanism.inter.broker.protocol", SCRAM);
        Map.Entry<String, String> self = users.entrySet().iterator().next();
        p.setProperty("listener.name.sasl_plaintext." + SCRAM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
                BrokerSettings.saslClient(self.getKey(), self.getValue()).get("sasl.jaas.config"));
    }

    /** The controller port of the previous run when it is still free, else a new one. */
    private static int controllerPort(String host, Path file, int brokerPort) {
        if (Files.isRegularFile(file)) {
            Properties old = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                old.load(r);
                int previous = Integer.parseInt(old.getProperty(CONTROLLER_PORT, "-1"));
                if (previous > 0 && previous != brokerPort && Ports.isFree(host, previous)) {
                    return previous;
                }
            } catch (IOException | RuntimeException ignored) {
                // a new port then
            }
        }
        int p;
        do {
            p = Ports.free(host);
        } while (p == brokerPort);
        return p;
    }
}
