package io.salve.model;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.SalveException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A model bundle directory: everything needed to serve, inspect and edit one classifier.
 *
 * <pre>
 *   bundle.json          metadata ({@link BundleMetadata})
 *   backbone.params      DJL parameters of a built-in backbone (conv layers + pool), or
 *   backbone.pt|.onnx    an imported backbone (TorchScript or ONNX; see {@link BundleMetadata.Imported})
 *   head.npz             W (K x M), b (K): the classifier head, on its own so edits can replace it
 *   metrics.json         test accuracy and per-class accuracy of backbone + head
 *   activations/*.npz    cached target-layer activations and labels of the train and test sets
 *   sae.npz, sae.json    the sparse autoencoder (E, b_e, D, b_d, inputScale) and its hyper-parameters and metrics
 *   catalog.json, catalog-heatmap.png   the feature catalog
 * </pre>
 */
public final class Bundle {

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final BundleMetadata metadata;

    private Bundle(Path dir, BundleMetadata metadata) {
        this.dir = dir;
        this.metadata = metadata;
    }

    /** Opens an existing bundle, with a clear error when the directory is not one. */
    public static Bundle open(Path dir) {
        Path meta = dir.resolve("bundle.json");
        if (!Files.isDirectory(dir)) {
            throw new SalveException("BUNDLE_NOT_FOUND", "no model bundle at " + dir
                    + " (create one with: salve train --out " + dir + ")");
        }
        if (!Files.isRegularFile(meta)) {
            throw new SalveException("BUNDLE_NOT_FOUND", dir + " is not a model bundle: it has no bundle.json");
        }
        try {
            return new Bundle(dir, JSON.readValue(meta.toFile(), BundleMetadata.class));
        } catch (IOException e) {
            throw new SalveException("BUNDLE_CORRUPT", "cannot read " + meta + ": " + e.getMessage(), e);
        }
    }

    /** Creates (or overwrites the metadata of) a bundle directory. */
    public static Bundle create(Path dir, BundleMetadata metadata) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot create " + dir + ": " + e.getMessage(), e);
        }
        Bundle bundle = new Bundle(dir, metadata);
        bundle.writeJson("bundle.json", metadata);
        return bundle;
    }

    public Path dir() {
        return dir;
    }

    public BundleMetadata metadata() {
        return metadata;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    public Architecture architecture() {
        return Architecture.parse(metadata.architecture());
    }

    public Shape imageShape() {
        return new Shape(metadata.inputShape().stream().mapToLong(Integer::longValue).toArray());
    }

    public InputSpec inputSpec() {
        return InputSpec.of(metadata);
    }

    public boolean isImported() {
        return metadata.imported() != null;
    }

    /** The backbone, built in or imported, on {@code device}: what every activation comes from. */
    public Backbone openBackbone(Device device) {
        return openBackbone(device, false);
    }

    /**
     * As {@link #openBackbone(Device)}; with {@code gradients}, ready for
     * {@link Backbone#activations(ai.djl.ndarray.NDArray)}.
     */
    public Backbone openBackbone(Device device, boolean gradients) {
        if (!isImported()) {
            return loadNetwork(device);
        }
        BundleMetadata.Imported imported = metadata.imported();
        Path file = file(imported.file());
        if (!Files.isRegularFile(file)) {
            throw new SalveException("BUNDLE_INCOMPLETE", dir + " has no " + imported.file());
        }
        return ImportedBackbone.open(file, ImportedBackbone.Format.parse(imported.format()), imageShape(), device,
                gradients);
    }

    /**
     * Rebuilds the trained network (backbone parameters and the bundle's head) on {@code device}; only built-in
     * bundles have one (training and gradients need it).
     */
    public Network loadNetwork(Device device) {
        if (isImported()) {
            throw new SalveException("IMPORTED_BACKBONE", dir + " holds an imported " + metadata.imported().format()
                    + " backbone, which this command cannot differentiate or retrain; it works on built-in bundles "
                    + "(salve train) only");
        }
        Network network = Network.create(architecture(), Objects.requireNonNullElse(metadata.vit(), VitConfig.DEFAULT),
                metadata.classNames().size(), imageShape(), device);
        try {
            Path params = file("backbone.params");
            if (!Files.isRegularFile(params)) {
                throw new SalveException("BUNDLE_INCOMPLETE", dir + " has no backbone.params");
            }
            network.loadBackbone(params);
            network.setHead(head());
            return network;
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    public void saveNetwork(Network network) {
        network.saveBackbone(file("backbone.params"));
        writeHead(network.head());
    }

    public Head head() {
        Npz npz = Npz.read(file("head.npz"));
        return new Head(npz.matrix("W"), npz.vector("b"));
    }

    public void writeHead(Head head) {
        Map<String, Object> arrays = new LinkedHashMap<>();
        arrays.put("W", head.weight());
        arrays.put("b", head.bias());
        Npz.write(file("head.npz"), arrays);
    }

    public boolean hasSae() {
        return Files.isRegularFile(file("sae.npz"));
    }

    public Sae sae() {
        if (!hasSae()) {
            throw new SalveException("SAE_MISSING", dir + " has no sparse autoencoder yet (train one with: salve sae --bundle "
                    + dir + ")");
        }
        Npz npz = Npz.read(file("sae.npz"));
        float[] meta = npz.vector("meta");
        return new Sae(SaeKind.values()[(int) meta[0]], npz.matrix("E"), npz.vector("b_e"), npz.matrix("D"),
                npz.vector("b_d"), meta[1], (int) meta[2]);
    }

    public void writeSae(Sae sae) {
        writeSae(file("sae.npz"), sae);
    }

    /** Writes {@code sae} as an {@code sae.npz} anywhere (a study keeps its SAEs beside, never in, the bundle). */
    public static void writeSae(Path npz, Sae sae) {
        Map<String, Object> arrays = new LinkedHashMap<>();
        arrays.put("E", sae.encoder());
        arrays.put("b_e", sae.encoderBias());
        arrays.put("D", sae.decoder());
        arrays.put("b_d", sae.decoderBias());
        // kind ordinal, input scale, k: the scalars numpy readers need to apply the SAE.
        arrays.put("meta", new float[] {sae.kind().ordinal(), sae.inputScale(), sae.k()});
        Npz.write(npz, arrays);
    }

    /** Cached activations of a split ("train" or "test"), if extracted before. */
    public Optional<Activations> cachedActivations(String split) {
        Path f = file("activations/" + split + ".npz");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        Npz npz = Npz.read(f);
        return Optional.of(new Activations(npz.matrix("activations"), npz.ints("labels")));
    }

    /** Forgets the cached activations, so the next use extracts them again (from another data set). */
    public void dropCachedActivations() {
        try (Stream<Path> files = Files.exists(file("activations")) ? Files.list(file("activations")) : Stream.empty()) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot clear " + file("activations") + ": " + e.getMessage(), e);
        }
    }

    public void cacheActivations(String split, Activations activations) {
        try {
            Files.createDirectories(file("activations"));
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot create " + file("activations") + ": " + e.getMessage(), e);
        }
        Map<String, Object> arrays = new LinkedHashMap<>();
        arrays.put("activations", activations.rows());
        arrays.put("labels", activations.labels());
        Npz.write(file("activations/" + split + ".npz"), arrays);
    }

    public void writeJson(String name, Object value) {
        try {
            JSON.writeValue(file(name).toFile(), value);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot write " + file(name) + ": " + e.getMessage(), e);
        }
    }

    public <T> T readJson(String name, Class<T> type) {
        try {
            return JSON.readValue(file(name).toFile(), type);
        } catch (IOException e) {
            throw new SalveException("BUNDLE_INCOMPLETE", "cannot read " + file(name) + ": " + e.getMessage(), e);
        }
    }
}
