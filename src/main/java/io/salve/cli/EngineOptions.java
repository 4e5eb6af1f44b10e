package io.salve.cli;

import ai.djl.Device;
import io.salve.core.Progress;
import io.salve.pipeline.Discovery;
import io.salve.pipeline.Validation;
import picocli.CommandLine.Option;

/** Where the model runs: {@code --device cpu|gpu0|...}. */
final class EngineOptions {

    @Option(names = "--device", defaultValue = "cpu", description = "DJL device: cpu, gpu0, gpu1, ... Default: ${DEFAULT-VALUE}.")
    String device;

    Discovery discovery(Progress progress) {
        return new Discovery(Device.fromName(device), progress);
    }

    Validation validation(Progress progress) {
        return new Validation(Device.fromName(device), progress);
    }
}
