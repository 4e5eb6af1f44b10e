package io.salve.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.app.SalveService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the bundle: Kafka requests in, results/telemetry/diagnostics out; health, metrics and the "
                + "operator API (edits) on HTTP. "
                + "Starts an embedded Kafka broker unless salve.kafka.bootstrap-servers is set.")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--demo-traffic", description = "Feed Fashion-MNIST test images into the requests topic at this "
            + "many requests per second.")
    Double demoTraffic;

    @Override
    public Integer call() throws Exception {
        Config loaded = load();
        try (ConsoleProgress progress = new ConsoleProgress(); SalveService service = SalveService.start(loaded, progress)) {
            // Status 1 when the service stopped itself (no replica left, the request stream failed): restart it.
            return service.awaitTermination() ? 1 : 0;
        }
    }

    private Config load() {
        Config overrides = demoTraffic == null ? ConfigFactory.empty()
                : ConfigFactory.parseString("salve.demo-traffic-rate = " + demoTraffic);
        return config.unresolved(overrides).resolve();
    }
}
