package io.salve.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import io.salve.devbroker.BrokerSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DevBrokerSettingsTest {

    private static Config config(String overrides) {
        return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve();
    }

    @Test
    void referenceDefaults() {
        BrokerSettings s = DevBrokerSettings.from(config(""));
        if (System.getenv("SALVE_KAFKA_PORT") == null) {
            assertEquals(9092, s.port());
        }
        if (System.getenv("SALVE_KAFKA_HOST") == null) {
            assertEquals("127.0.0.1", s.host());
        }
        assertEquals(Duration.ofSeconds(60), s.startTimeout());
    }

    @Test
    void overrides() {
        BrokerSettings s = DevBrokerSettings.from(config("salve.kafka.embedded { port = 0, data-dir = \"/tmp/k\" }"));
        assertEquals(0, s.port());
        assertEquals(Path.of("/tmp/k"), s.dataDir());
    }

    @Test
    void aPortOutOfRangeIsABadConfig() {
        SalveException e = assertThrows(SalveException.class,
                () -> DevBrokerSettings.from(config("salve.kafka.embedded.port = 70000")));
        assertEquals("BAD_CONFIG", e.code());
    }
}
