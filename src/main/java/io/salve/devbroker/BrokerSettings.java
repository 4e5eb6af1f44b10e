package io.salve.devbroker;

import io.salve.core.SalveException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where and how the development broker runs: {@code host:port} of its client listener (port 0 = any free port), its
 * data directory, how long start-up (including a first-time format) may take, and the options of its JVM.
 */
public record BrokerSettings(String host, int port, Path dataDir, Duration startTimeout, List<String> jvmOptions) {

    public BrokerSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(startTimeout, "startTimeout");
        jvmOptions = List.copyOf(jvmOptions);
        if (port < 0 || port > 65535) {
            throw new SalveException("BAD_CONFIG", "the broker's port must be 0..65535, was " + port);
        }
    }

    public BrokerSettings withHost(String newHost) {
        return new BrokerSettings(newHost, port, dataDir, startTimeout, jvmOptions);
    }

    public BrokerSettings withPort(int newPort) {
        return new BrokerSettings(host, newPort, dataDir, startTimeout, jvmOptions);
    }

    public BrokerSettings withDataDir(Path newDataDir) {
        return new BrokerSettings(host, port, newDataDir, startTimeout, jvmOptions);
    }
}
