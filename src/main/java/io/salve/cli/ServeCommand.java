package io.salve.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import io.salve.serve.SalveService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the bundle: Kafka requests in, results/telemetry/diagnostics out, health on HTTP. "
                + "Starts an embedded Kafka broker unless salve.kafka.bootstrap-servers is set.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", description = "HOCON file overriding the defaults (e.g. conf/application.conf).")
    Path config;

    @Option(names = "--demo-traffic", description = "Feed Fashion-MNIST test images into the requests topic at this "
            + "many requests per second.")
    Double demoTraffic;

    @Override
    public Integer call() throws Exception {
        Config loaded = load();
        try (ConsoleProgress progress = new ConsoleProgress(); SalveService service = SalveService.start(loaded, progress)) {
            service.awaitTermination();
        }
        return 0;
    }

    private Config load() {
        Config overrides = demoTraffic == null ? ConfigFactory.empty()
                : ConfigFactory.parseString("salve.demo-traffic-rate = " + demoTraffic);
        Config file = ConfigFactory.empty();
        if (config != null) {
            if (!Files.isRegularFile(config)) {
                throw new SalveException("CONFIG_MISSING", "no configuration file " + config);
            }
            file = ConfigFactory.parseFile(config.toFile());
        }
        // System properties win over the file, the file over reference.conf (environment variables are read there).
        return ConfigFactory.systemProperties().withFallback(overrides).withFallback(file)
                .withFallback(ConfigFactory.defaultReferenceUnresolved()).resolve();
    }
}
