package io.salve.app;

import com.typesafe.config.Config;
import io.salve.devbroker.BrokerSettings;
import io.salve.kafka.KafkaConfig;

/**
 * The development broker's settings from the service's configuration ({@code salve.kafka.embedded}): devbroker
 * knows nothing of the service's configuration, so the composition root translates.
 */
public final class DevBrokerSettings {

    private DevBrokerSettings() { }

    public static BrokerSettings from(Config config) {
        return of(KafkaConfig.from(config).embedded());
    }

    static BrokerSettings of(KafkaConfig.Embedded embedded) {
        return new BrokerSettings(embedded.host(), embedded.port(), embedded.dataDir(), embedded.startTimeout(),
                embedded.jvmOptions());
    }
}
