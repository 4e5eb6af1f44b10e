package io.salve.pipeline;

import ai.djl.Device;
import io.salve.core.Head;
import io.salve.core.SalveException;
import io.salve.model.Backbone;
import io.salve.model.Bundle;
import io.salve.model.BundleMetadata;
import io.salve.model.ImportedBackbone;
import io.salve.model.InputSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code salve export --format torchscript}: a bundle imported with {@code --head-from FULL.pt} becomes FULL.pt with
 * the bundle's (possibly edited) head in place of its own, so the edited model runs on any PyTorch stack. Java cannot
 * author TorchScript in general; replacing parameters of the user's own program is enough here.
 */
public final class TorchScriptExport {

    /** Probe images the export must agree with the bundle on. */
    private static final int PROBE_IMAGES = 32;

    private final Device device;

    public TorchScriptExport(Device device) {
        this.device = device;
    }

    /** @param relativeError max |Δlogit| / max |logit| of the written model against the bundle on probe images */
    public record Report(Path file, double relativeError, double seconds) {
    }

    public Report export(Bundle bundle, Path out) {
        long start = System.nanoTime();
        BundleMetadata.Imported imported = bundle.metadata().imported();
        if (imported == null || imported.fullModel() == null) {
            throw new SalveException("EXPORT_UNSUPPORTED", bundle.dir() + " was not imported with --head-from FULL.pt; "
                    + "only such bundles export to TorchScript (the full model is the program the head goes into)");
        }
        if (Files.exists(out)) {
            throw new SalveException("BAD_OUTPUT", out + " exists already; export never overwrites, so pick a new --out");
        }
        Head head = bundle.head();
        ImportedBackbone.writeWithHead(bundle.file(imported.fullModel()), imported.headLayer(), head, out);
        InputSpec spec = bundle.inputSpec();
        float[] probe = LogitCheck.probeImages(spec, PROBE_IMAGES);
        float[][] activations;
        try (Backbone backbone = bundle.openBackbone(device)) {
            activations = backbone.activations(probe, PROBE_IMAGES);
        }
        double relative = LogitCheck.relativeError(out, spec, probe, PROBE_IMAGES, head, activations, device,
                "EXPORT_MISMATCH");
        if (relative > LogitCheck.TOLERANCE) {
            delete(out);
            throw new SalveException("EXPORT_MISMATCH", String.format(Locale.ROOT, "the exported model differs from "
                    + "the bundle: max |Δlogit| / max |logit| = %.3g > %.0e; nothing written", relative,
                    LogitCheck.TOLERANCE));
        }
        return new Report(out, relative, (System.nanoTime() - start) / 1e9);
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot delete " + file + ": " + e.getMessage(), e);
        }
    }
}
