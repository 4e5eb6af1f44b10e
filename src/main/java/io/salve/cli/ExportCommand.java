package io.salve.cli;

import ai.djl.Device;
import io.salve.core.SalveException;
import io.salve.model.Bundle;
import io.salve.pipeline.TorchScriptExport;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write an imported bundle's (edited) model as TorchScript: the full model it was imported "
                + "--head-from, with the bundle's head in its place; checked against the bundle's logits.")
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--bundle", required = true, description = "The model bundle directory.")
    Path bundle;

    @Option(names = "--format", defaultValue = "torchscript", description = "torchscript (the only one). Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--out", required = true, description = "The .pt file to write (must not exist).")
    Path out;

    @Override
    public Integer call() {
        if (!"torchscript".equals(format)) {
            throw new SalveException("UNKNOWN_FORMAT", "unknown export format '" + format + "' (expected torchscript)");
        }
        TorchScriptExport.Report r = new TorchScriptExport(Device.fromName(engine.device))
                .export(Bundle.open(bundle), out);
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s in %.2f s: max |Δlogit| / max |logit| = %.3g "
                + "against the bundle%n", r.file(), r.seconds(), r.relativeError());
        return 0;
    }
}
