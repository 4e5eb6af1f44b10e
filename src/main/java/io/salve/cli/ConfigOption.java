package io.salve.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --config FILE} for the commands that start the service or edit a bundle, and how their configuration is
 * layered.
 */
final class ConfigOption {

    @Option(names = "--config", description = "HOCON file overriding the defaults (e.g. conf/application.conf).")
    Path file;

    /**
     * System properties over {@code overrides} over the file over reference.conf (environment variables are read
     * there), <em>not yet resolved</em>: settings derived from others (the journal's URL from
     * {@code salve.edits.h2.dir}, say) must see every override, including those a caller adds before resolving.
     */
    Config unresolved(Config overrides) {
        Config fromFile = ConfigFactory.empty();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new SalveException("CONFIG_MISSING", "no configuration file " + file);
            }
            fromFile = ConfigFactory.parseFile(file.toFile());
        }
        return ConfigFactory.systemProperties().withFallback(overrides).withFallback(fromFile)
                .withFallback(ConfigFactory.defaultReferenceUnresolved());
    }
}
