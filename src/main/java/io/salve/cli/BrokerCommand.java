package io.salve.cli;

import com.typesafe.config.ConfigFactory;
import io.salve.app.DevBrokerSettings;
import io.salve.devbroker.BrokerSettings;
import io.salve.devbroker.EmbeddedKafka;
import io.salve.core.SalveException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    @Option(names = "--sasl-user", paramLabel = "NAME:PASSWORD", description = "Require SASL/SCRAM-SHA-256 logins "
            + "on the client listener, from this user (repeatable; the first is also the broker's own identity; "
            + "created when the data directory is first formatted).")
    List<String> saslUsers = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        BrokerSettings settings = DevBrokerSettings.from(config.unresolved(ConfigFactory.empty()).resolve());
        settings = host == null ? settings : settings.withHost(host);
        settings = port == null ? settings : settings.withPort(port);
        settings = dataDir == null ? settings : settings.withDataDir(dataDir);
        Map<String, String> users = new LinkedHashMap<>();
        for (String user : saslUsers) {
            int colon = user.indexOf(':');
            if (colon <= 0) {
                throw new SalveException("BAD_ARGUMENT", "--sasl-user is NAME:PASSWORD, got '" + user.replaceAll(
                        ":.*", ":...") + "'");
            }
            users.put(user.substring(0, colon), user.substring(colon + 1));
        }
        settings = settings.withSaslUsers(users);
        // The broker's own shutdown hook stops it on Ctrl-C or SIGTERM; this thread then sees the child exit.
        EmbeddedKafka broker = EmbeddedKafka.start(settings);
        spec.commandLine().getOut().printf("Kafka broker ready at %s (data %s, log %s); stop it with Ctrl-C%n"
                + "services use it with SALVE_KAFKA_BOOTSTRAP_SERVERS=%1$s%s%n",
                broker.bootstrapServers(), broker.dataDir(), broker.logFile(), users.isEmpty() ? ""
                        : " SALVE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT SALVE_KAFKA_SASL_MECHANISM=SCRAM-SHA-256 "
                        + "SALVE_KAFKA_SASL_JAAS_CONFIG='org.apache.kafka.common.security.scram.ScramLoginModule "
                        + "required username=\"NAME\" password=\"PASSWORD\";'");
        spec.commandLine().getOut().flush();
        int exit = broker.awaitExit();
        // Reached on a crash, or while the JVM shuts down (when the exit code no longer matters).
        spec.commandLine().getErr().printf("the Kafka broker stopped (exit %d); its log: %s%n", exit,
                broker.logFile());
        return 1;
    }
}
