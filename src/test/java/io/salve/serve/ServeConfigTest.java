package io.salve.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServeConfigTest {

    private static ServeConfig parse(String conf) {
        return ServeConfig.from(ConfigFactory.parseString(conf)
                .withFallback(ConfigFactory.defaultReferenceUnresolved()).resolve());
    }

    @Test
    void severalReplicasPerDeviceAreNamedApartAndOneKeepsTheDevicesName() {
        assertEquals(List.of(new ServeConfig.Slot("cpu", "cpu")),
                parse("salve.replicas.devices = [cpu]").replicas());
        assertEquals(List.of(new ServeConfig.Slot("gpu0-0", "gpu0"), new ServeConfig.Slot("gpu0-1", "gpu0"),
                        new ServeConfig.Slot("gpu1-0", "gpu1"), new ServeConfig.Slot("gpu1-1", "gpu1")),
                parse("salve.replicas { devices = [gpu0, gpu1], per-device = 2 }").replicas());
    }

    @Test
    void noReplicaPerDeviceIsABadConfig() {
        SalveException e = assertThrows(SalveException.class,
                () -> parse("salve.replicas { devices = [cpu], per-device = 0 }"));
        assertEquals("BAD_CONFIG", e.code());
    }

    @Test
    void aWronglyTypedValueIsABadConfigNamingTheKey() {
        SalveException e = assertThrows(SalveException.class,
                () -> parse("salve.replicas { devices = [cpu], per-device = two }"));
        assertEquals("BAD_CONFIG", e.code());
        assertTrue(e.getMessage().contains("per-device"), e.getMessage());
    }
}
