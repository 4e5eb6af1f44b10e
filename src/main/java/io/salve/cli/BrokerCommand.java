package io.salve.cli;

import com.typesafe.config.ConfigFactory;
import io.salve.app.DevBrokerSettings;
import io.salve.devbroker.BrokerSettings;
import io.salve.devbroker.EmbeddedKafka;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run the development Kafka broker (single-node KRaft, in a child JVM) until Ctrl-C or SIGTERM. "
                + "Services use it with SALVE_KAFKA_BOOTSTRAP_SERVERS=HOST:PORT. Defaults: salve.kafka.embedded.")
final class BrokerCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--host", description = "Address of the client listener.")
    String host;

    @Option(names = "--port", description = "Port of the client listener (0 = any free port).")
    Integer port;

    @Option(names = "--data-dir", description = "Topics, offsets and broker.log; kept across restarts.")
    Path dataDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        BrokerSettings settings = DevBrokerSettings.from(config.unresolved(ConfigFactory.empty()).resolve());
        settings = host == null ? settings : settings.withHost(host);
        settings = port == null ? settings : settings.withPort(port);
        settings = dataDir == null ? settings : settings.withDataDir(dataDir);
        // The broker's own shutdown hook stops it on Ctrl-C or SIGTERM; this thread then sees the child exit.
        EmbeddedKafka broker = EmbeddedKafka.start(settings);
        spec.commandLine().getOut().printf("Kafka broker ready at %s (data %s, log %s); stop it with Ctrl-C%n"
                + "services use it with SALVE_KAFKA_BOOTSTRAP_SERVERS=%1$s%n",
                broker.bootstrapServers(), broker.dataDir(), broker.logFile());
        spec.commandLine().getOut().flush();
        int exit = broker.awaitExit();
        // Reached on a crash, or while the JVM shuts down (when the exit code no longer matters).
        spec.commandLine().getErr().printf("the Kafka broker stopped (exit %d); its log: %s%n", exit,
                broker.logFile());
        return 1;
    }
}
