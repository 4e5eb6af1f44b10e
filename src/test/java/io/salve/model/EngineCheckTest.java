package io.salve.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.SalveException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Start-up refuses engines and devices that are not there with one clear message. */
class EngineCheckTest {

    @Test
    void pytorchOnTheCpuIsAlwaysThere() {
        assertDoesNotThrow(() -> EngineCheck.check("PyTorch", List.of("cpu")));
    }

    @Test
    void tensorRtNamesWhatIsMissing() {
        // This build has no DJL TensorRT engine on its class path, GPU or not.
        SalveException e = assertThrows(SalveException.class, () -> EngineCheck.check("TensorRT", List.of("gpu0")));
        assertEquals("ENGINE_MISSING", e.code());
        assertTrue(e.getMessage().contains("TensorRT") && e.getMessage().contains("salve.engine = PyTorch"),
                e.getMessage());
    }

    @Test
    void aGpuThatIsNotVisibleIsRefused() {
        SalveException e = assertThrows(SalveException.class, () -> EngineCheck.check("PyTorch", List.of("gpu99")));
        assertEquals("DEVICE_MISSING", e.code());
        assertTrue(e.getMessage().contains("gpu99"), e.getMessage());
    }

    @Test
    void unknownEnginesAndDevicesAreConfigurationErrors() {
        assertEquals("BAD_CONFIG", assertThrows(SalveException.class,
                () -> EngineCheck.check("Vulkan", List.of("cpu"))).code());
        assertEquals("BAD_CONFIG", assertThrows(SalveException.class,
                () -> EngineCheck.check("PyTorch", List.of("tpu0"))).code());
    }
}
