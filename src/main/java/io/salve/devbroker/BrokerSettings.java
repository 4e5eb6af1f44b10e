package io.salve.devbroker;

import io.salve.core.SalveException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how the development broker runs: {@code host:port} of its client listener (port 0 = any free port), its
 * data directory, how long start-up (including a first-time format) may take, the options of its JVM, and, when
 * {@code saslUsers} (name to password) is not empty, SASL/SCRAM-SHA-256 authentication on the client listener
 * ({@code SASL_PLAINTEXT}; the first user is also the broker's own identity). The users' credentials are written when
 * the data directory is first formatted: later starts on the same data keep the first users.
 */
public record BrokerSettings(String host, int port, Path dataDir, Duration startTimeout, List<String> jvmOptions,
                             Map<String, String> saslUsers) {

    public BrokerSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(startTimeout, "startTimeout");
        jvmOptions = List.copyOf(jvmOptions);
        saslUsers = Collections.unmodifiableMap(new LinkedHashMap<>(saslUsers));
        if (port < 0 || port > 65535) {
            throw new SalveException("BAD_CONFIG", "the broker's port must be 0..65535, was " + port);
        }
        for (Map.Entry<String, String> user : saslUsers.entrySet()) {
            if (!user.getKey().matches("[A-Za-z0-9_.-]+") || !user.getValue().matches("[^\"\\[\\],=\\s]+")) {
                throw new SalveException("BAD_CONFIG", "a SASL user is NAME:PASSWORD, the name of letters, digits, "
                        + "'.', '_', '-', the password not empty and without quotes, brackets, commas, '=' or "
                        + "spaces; got user '" + user.getKey() + "'");
            }
        }
    }

    public BrokerSettings(String host, int port, Path dataDir, Duration startTimeout, List<String> jvmOptions) {
        this(host, port, dataDir, startTimeout, jvmOptions, Map.of());
    }

    public BrokerSettings withHost(String newHost) {
        return new BrokerSettings(newHost, port, dataDir, startTimeout, jvmOptions, saslUsers);
    }

    public BrokerSettings withPort(int newPort) {
        return new BrokerSettings(host, newPort, dataDir, startTimeout, jvmOptions, saslUsers);
    }

    public BrokerSettings withDataDir(Path newDataDir) {
        return new BrokerSettings(host, port, newDataDir, startTimeout, jvmOptions, saslUsers);
    }

    public BrokerSettings withSaslUsers(Map<String, String> users) {
        return new BrokerSettings(host, port, dataDir, startTimeout, jvmOptions, users);
    }

    public boolean sasl() {
        return !saslUsers.isEmpty();
    }

    /** The Kafka client settings of {@code user} against this broker: what {@code salve.kafka.client} would hold. */
    public static Map<String, String> saslClient(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", ServerProperties.SCRAM,
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    /** The client settings the broker's own readiness probe uses: its first SASL user's, or none. */
    Map<String, String> probeClient() {
        return saslUsers.entrySet().stream().findFirst().map(u -> saslClient(u.getKey(), u.getValue()))
                .orElse(Map.of());
    }
}
