package io.salve.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TelemetryConfigTest {

    private static TelemetryConfig parse(String overrides) {
        return TelemetryConfig.from(ConfigFactory.parseString(overrides)
                .withFallback(ConfigFactory.defaultReference()).resolve());
    }

    @Test
    void defaultsTurnBothStreamsOnForEveryRequest() {
        TelemetryConfig c = parse("");
        assertTrue(c.telemetry().enabled() && c.diagnostics().enabled());
        assertEquals(1.0, c.telemetry().sampleRate());
        assertEquals(Duration.ofSeconds(10), c.diagnostics().window());
    }

    @Test
    void badValuesAreBadConfig() {
        for (String bad : new String[] {"salve.telemetry.sample-rate = 1.5", "salve.diagnostics.sample-rate = -0.1",
                "salve.telemetry.window = 0s", "salve.diagnostics.drift.threshold = 0",
                "salve.diagnostics.drift.min-samples = 0", "salve.telemetry.enabled = maybe"}) {
            SalveException e = assertThrows(SalveException.class, () -> parse(bad), bad);
            assertEquals("BAD_CONFIG", e.code(), bad);
        }
    }
}
