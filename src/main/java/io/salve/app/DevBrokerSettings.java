package io.salve.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.salve.core.SalveException;
import io.salve.devbroker.BrokerSettings;
import java.nio.file.Path;

/**
 * The development broker's settings from the service's configuration ({@code salve.kafka.embedded}): devbroker
 * knows nothing of the service's configuration, so the composition root reads them for it.
 */
public final class DevBrokerSettings {

    private DevBrokerSettings() { }

    public static BrokerSettings from(Config root) {
        try {
            Config e = root.getConfig("salve.kafka.embedded");
            return new BrokerSettings(e.getString("host"), e.getInt("port"), Path.of(e.getString("data-dir")),
                    e.getDuration("start-timeout"), e.getStringList("jvm-options"));
        } catch (ConfigException | SalveException e) {
            throw new SalveException("BAD_CONFIG", "salve.kafka.embedded: " + e.getMessage(), e);
        }
    }
}
