package io.salve.model;

import ai.djl.engine.Engine;
import io.salve.core.SalveException;
import java.util.List;

/**
 * Fails start-up with one clear message when the configured engine or devices are not there, instead of an obscure
 * native-library error on the first request.
 */
public final class EngineCheck {

    private EngineCheck() {
    }

    public static void check(String engine, List<String> devices) {
        switch (engine) {
            case "PyTorch" -> { }
            case "TensorRT" -> {
                if (!Engine.hasEngine("TensorRT")) {
                    throw new SalveException("ENGINE_MISSING", "salve.engine = TensorRT needs DJL's TensorRT engine "
                            + "(ai.djl.tensorrt:tensorrt on the class path) and NVIDIA's TensorRT 8.4 libraries "
                            + "(libnvinfer.so.8, libnvonnxparser.so.8) with an NVIDIA GPU; missing: the DJL TensorRT "
                            + "engine. Use salve.engine = PyTorch (CUDA devices work with it).");
                }
                if (devices.stream().noneMatch(d -> d.startsWith("gpu"))) {
                    throw new SalveException("ENGINE_MISSING", "salve.engine = TensorRT runs on NVIDIA GPUs only, but "
                            + "salve.replicas.devices = " + devices + " names none");
                }
            }
            default -> throw new SalveException("BAD_CONFIG", "unknown salve.engine '" + engine
                    + "' (expected PyTorch or TensorRT)");
        }
        int gpus = Engine.getInstance().getGpuCount();
        for (String device : devices) {
            if (device.startsWith("gpu")) {
                int index = parseGpu(device);
                if (index >= gpus) {
                    throw new SalveException("DEVICE_MISSING", "device " + device + " is configured but "
                            + (gpus == 0 ? "no GPU is visible (no CUDA driver or no CUDA build of libtorch)"
                            : "only " + gpus + " GPU(s) are visible"));
                }
            } else if (!"cpu".equals(device)) {
                throw new SalveException("BAD_CONFIG", "unknown device '" + device + "' (expected cpu, gpu0, gpu1, ...)");
            }
        }
    }

    private static int parseGpu(String device) {
        try {
            return Integer.parseInt(device.substring(3));
        } catch (NumberFormatException e) {
            throw new SalveException("BAD_CONFIG", "unknown device '" + device + "' (expected cpu, gpu0, gpu1, ...)");
        }
    }
}
