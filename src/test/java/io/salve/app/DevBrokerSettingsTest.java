package io.salve.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import io.salve.devbroker.BrokerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    @Test
    void aSaslUserThatCannotBeWrittenIntoTheBrokersConfigurationIsABadConfig() {
        BrokerSettings s = DevBrokerSettings.from(config(""));
        for (Map<String, String> user : List.of(Map.of("a b", "secret"), Map.of("salve", ""),
                Map.of("salve", "se,cret"), Map.of("salve", "se\"cret"), Map.of("salve", "se]cret"))) {
            assertEquals("BAD_CONFIG", assertThrows(SalveException.class, () -> s.withSaslUsers(user)).code(),
                    user.toString());
        }
        assertEquals(Map.of("salve", "s3cret-pass"), s.withSaslUsers(Map.of("salve", "s3cret-pass")).saslUsers());
    }
}
