package io.salve.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import io.salve.core.Head;
import io.salve.core.SalveException;
import io.salve.data.Resize;
import io.salve.model.Bundle;
import io.salve.model.BundleMetadata;
import io.salve.model.ImportedBackbone;
import io.salve.model.InputSpec;
import io.salve.model.Npz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code salve import}: turns a user's backbone (TorchScript or ONNX) and final linear layer into a bundle that every
 * command can use. Every check runs before anything is written, each failing with its own code.
 */
public final class ModelImport {

    /** The bundle's copy of the full model a head was read from: what {@code salve export} edits. */
    static final String FULL_MODEL = "full.pt";

    private final Device device;

    public ModelImport(Device device) {
        this.device = device;
    }

    /**
     * What to import.
     *
     * @param head       the head as .npz (W, b); null when {@code headFrom} is given
     * @param headFrom   a full TorchScript classifier whose {@code headLayer} parameters are the head, or null
     * @param inputShape (C, H, W)
     * @param checkFull  a full TorchScript classifier whose logits the import must reproduce, or null
     * @param maxBatch   the probe batch size: the largest batch the service will send
     */
    public record Request(Path backbone, Path head, Path headFrom, String headLayer, List<Integer> inputShape,
                          float[] mean, float[] std, Path classNames, Resize resize, Path checkFull, int maxBatch,
                          Path out) {
    }

    /** @param fullModelError max |Δlogit| / max |logit| against {@code --check-full}, or null without it */
    public record Report(Bundle bundle, BundleMetadata.Imported imported, int featureDim, double seconds,
                         Double fullModelError) {
    }

    public Report run(Request r) {
        long start = System.nanoTime();
        requireNew(r.out());
        InputSpec spec = spec(r);
        List<String> classes = classNames(r.classNames());
        Head head = r.headFrom() != null ? ImportedBackbone.headOf(r.headFrom(), r.headLayer()) : npzHead(r.head());
        if (head.numClasses() != classes.size()) {
            throw new SalveException("CLASS_COUNT_MISMATCH", "the head has " + head.numClasses() + " classes but "
                    + r.classNames() + " names " + classes.size());
        }
        ImportedBackbone.Format format = ImportedBackbone.Format.of(r.backbone());
        if (!Files.isRegularFile(r.backbone())) {
            throw new SalveException("BACKBONE_UNREADABLE", r.backbone() + ": no such file");
        }
        Shape imageShape = new Shape(spec.channels(), spec.height(), spec.width());
        float[] probe = LogitCheck.probeImages(spec, r.maxBatch());
        float[][] activations;
        ImportedBackbone.Output output;
        try (ImportedBackbone backbone = ImportedBackbone.open(r.backbone(), format, imageShape, device)) {
            activations = probe(backbone, probe, r.maxBatch(), r.backbone());
            output = backbone.output();
        }
        int m = activations[0].length;
        if (m != head.dim()) {
            throw new SalveException("HEAD_MISMATCH", "the backbone gives " + m + " activations per image but the "
                    + "head expects " + head.dim() + " (W is " + head.numClasses() + " x " + head.dim() + ")");
        }
        Double fullModelError = r.checkFull() == null ? null
                : fullModelError(r.checkFull(), spec, probe, r.maxBatch(), head, activations);

        BundleMetadata.Imported imported = new BundleMetadata.Imported(format.id(), "backbone" + format.extension(),
                output.id(), r.backbone().toAbsolutePath().toString(), r.headFrom() == null ? null : FULL_MODEL,
                r.headFrom() == null ? null : r.headLayer());
        Bundle bundle = write(r, spec, classes, head, m, format, imported);
        return new Report(bundle, imported, m, (System.nanoTime() - start) / 1e9, fullModelError);
    }

    private static void requireNew(Path out) {
        try (Stream<Path> entries = Files.isDirectory(out) ? Files.list(out) : Stream.empty()) {
            if (Files.exists(out) && (!Files.isDirectory(out) || entries.findAny().isPresent())) {
                throw new SalveException("BUNDLE_EXISTS", out + " exists already; import never overwrites, so pick "
                        + "a new --out");
            }
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot read " + out + ": " + e.getMessage(), e);
        }
    }

    private static InputSpec spec(Request r) {
        List<Integer> s = r.inputShape();
        if (s.size() != 3 || (s.get(0) != 1 && s.get(0) != 3) || s.get(1) <= 0 || s.get(2) <= 0) {
            throw new SalveException("BAD_SHAPE", "--input-shape must be C,H,W with C = 1 or 3 and a positive size, got "
                    + s);
        }
        return new InputSpec(s.get(0), s.get(1), s.get(2), r.mean(), r.std(), r.resize());
    }

    private static List<String> classNames(Path file) {
        List<String> names;
        try {
            names = Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new SalveException("CLASS_NAMES_UNREADABLE", "cannot read class names from " + file + ": " + e, e);
        }
        if (names.isEmpty()) {
            throw new SalveException("CLASS_NAMES_UNREADABLE", file + " names no classes (expected one per line)");
        }
        return names;
    }

    private static Head npzHead(Path file) {
        try {
            Npz npz = Npz.read(file);
            return new Head(npz.matrix("W"), npz.vector("b"));
        } catch (RuntimeException e) {
            throw new SalveException("HEAD_UNREADABLE", file + ": expected an .npz with W (K x M) and b (K) as float32 ("
                    + e.getMessage() + ")", e);
        }
    }

    private static float[][] probe(ImportedBackbone backbone, float[] images, int count, Path file) {
        float[][] out;
        try {
            out = backbone.activations(images, count);
        } catch (SalveException e) {
            throw e;
        } catch (RuntimeException e) {
            throw runFailure(backbone, images, count, file, e);
        }
        for (float[] row : out) {
            for (float v : row) {
                if (!Float.isFinite(v)) {
                    throw new SalveException("BACKBONE_NOT_FINITE", file + " gives non-finite activations (" + v
                            + ") on a probe batch of " + count + " random images; check --mean/--std and the model");
                }
            }
        }
        return out;
    }

    /** A model that runs on one image but not on {@code count} was exported with a fixed batch size. */
    private static SalveException runFailure(ImportedBackbone backbone, float[] images, int count, Path file,
                                             RuntimeException cause) {
        int size = images.length / count;
        try {
            backbone.activations(Arrays.copyOf(images, size), 1);
        } catch (RuntimeException single) {
            return new SalveException("BACKBONE_FAILED", file + " fails on a single image of the --input-shape: "
                    + single.getMessage() + " (is --input-shape what the model takes?)", single);
        }
        if (backbone.format() == ImportedBackbone.Format.ONNX) {
            return new SalveException("ONNX_FIXED_BATCH", file + " runs on 1 image but not on a batch of " + count
                    + ": it was exported with a fixed batch size. Export it again with a dynamic batch axis: "
                    + "torch.onnx.export(..., dynamic_axes={'images': {0: 'batch'}, 'features': {0: 'batch'}})", cause);
        }
        return new SalveException("BACKBONE_FAILED", file + " runs on 1 image but not on a batch of " + count + ": "
                + cause.getMessage(), cause);
    }

    private double fullModelError(Path full, InputSpec spec, float[] probe, int count, Head head,
                                  float[][] activations) {
        double relative = LogitCheck.relativeError(full, spec, probe, count, head, activations, device,
                "FULL_MODEL_MISMATCH");
        if (relative > LogitCheck.TOLERANCE) {
            throw new SalveException("FULL_MODEL_MISMATCH", String.format(Locale.ROOT,
                    "backbone + head differ from %s: max |Δlogit| / max |logit| = %.3g > %.0e on %d probe images",
                    full, relative, LogitCheck.TOLERANCE, count));
        }
        return relative;
    }

    private static Bundle write(Request r, InputSpec spec, List<String> classes, Head head, int m,
                                ImportedBackbone.Format format, BundleMetadata.Imported imported) {
        BundleMetadata metadata = new BundleMetadata(BundleMetadata.FORMAT_VERSION, BundleMetadata.IMPORTED,
                r.inputShape(), floats(spec.mean()), floats(spec.std()), spec.resize().id(), classes,
                BundleMetadata.TARGET_LAYER, m, format.engine(), null, imported, null);
        Bundle bundle = Bundle.create(r.out(), metadata);
        copy(r.backbone(), bundle.file(imported.file()));
        if (r.headFrom() != null) {
            copy(r.headFrom(), bundle.file(FULL_MODEL));
        }
        bundle.writeHead(head);
        return bundle;
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot copy " + from + " to " + to + ": " + e, e);
        }
    }

    private static List<Float> floats(float[] values) {
        Float[] boxed = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return List.of(boxed);
    }
}
