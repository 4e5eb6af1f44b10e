package io.salve.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.salve.core.FeatureCatalog.FeatureEntry;
import io.salve.core.Progress;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import io.salve.core.validate.ActivationMaximizer;
import io.salve.core.validate.GradFam;
import io.salve.data.Batches;
import io.salve.data.ImageSet;
import io.salve.model.Backbone;
import io.salve.model.Bundle;
import io.salve.model.BundleMetadata;
import io.salve.model.ImportedBackbone;
import io.salve.model.InputSpec;
import io.salve.viz.ImageGrid;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * SALVE's validate stage over a bundle: Grad-FAM maps of a feature's top-activating test images, and the image that
 * maximises the feature. Outputs go to {@code gradfam/} and {@code maximize/} in the bundle.
 */
public final class Validation {

    /** Image + overlay pairs per row of the Grad-FAM grid. */
    private static final int PAIRS_PER_ROW = 4;
    private static final int GRID_SCALE = 4;
    private static final int MAXIMIZE_SCALE = 10;

    private final Device device;
    private final Progress progress;
    private final Discovery discovery;

    public Validation(Device device, Progress progress) {
        this.device = device;
        this.progress = progress;
        this.discovery = new Discovery(device, progress);
    }

    /**
     * One image of a Grad-FAM report.
     *
     * @param index  test-set index
     * @param latent z_l of the image
     * @param peak   (row, column) of the map's maximum, in input pixels
     * @param map    the map {@code |sum_c beta_c F_c|} at feature-map resolution, before upsampling
     */
    public record GradFamImage(int index, String label, double latent, int[] peak, float[][] map) {
    }

    /**
     * What {@code gradfam/feature-<l>.json} holds.
     *
     * @param polarity the sign in which the catalog reads the feature; images are ranked by {@code polarity * z_l}
     * @param ranking  where the ranking came from: "catalog" (catalog.json) or "computed" (cached test activations)
     */
    public record GradFamReport(int feature, int polarity, String split, String ranking, List<GradFamImage> images) {
    }

    /**
     * What {@code maximize/feature-<l>.json} holds.
     *
     * @param polarity    the sign maximised: {@code polarity * z_l} (from catalog.json; +1 without one)
     * @param latent      z_l of the result
     * @param startLatent z_l of the starting noise
     * @param seconds     wall time, loading the network included
     * @param image       the result, {@code C x H x W} pixels in [0, 1]
     */
    public record MaximizeReport(int feature, int polarity, ActivationMaximizer.Settings settings, double latent,
                                 double startLatent, double seconds, float[][][] image) {
    }

    /**
     * Grad-FAM of {@code feature} on its {@code count} top-activating test images; writes
     * {@code gradfam/feature-<l>.png} (each image beside its heat-map overlay) and {@code gradfam/feature-<l>.json}.
     */
    public GradFamReport gradFam(Bundle bundle, Discovery.DataRef data, int feature, int count) {
        BundleMetadata.Imported imported = bundle.metadata().imported();
        if (imported != null && ImportedBackbone.Output.POOLED.id().equals(imported.output())) {
            throw new SalveException("NOT_DIFFERENTIABLE", "Grad-FAM needs the backbone's last feature map, but "
                    + bundle.dir() + " was imported from a backbone that returns pooled activations (N x M), which "
                    + "hide it; export the feature-map form (everything before the global average pool) as "
                    + "TorchScript or ONNX and import that (README: Bring your own model)");
        }
        Sae sae = bundle.sae();
        checkFeature(sae, feature);
        if (count < 1) {
            throw new SalveException("BAD_ARGUMENT", "count must be at least 1, was " + count);
        }
        Optional<FeatureEntry> saved = savedEntry(bundle, feature).filter(e -> e.topSamples().size() >= count);
        FeatureEntry entry = saved.orElseGet(() -> discovery.catalog(bundle, data, count).features().get(feature));
        List<Integer> samples = entry.topSamples().subList(0, Math.min(count, entry.topSamples().size()));
        ImageSet test = data.load(false, bundle.inputSpec());
        for (int index : samples) {
            if (index >= test.count()) {
                throw new SalveException("DATA_MISMATCH", "test image " + index + " is ranked for feature " + feature
                        + " but the test set has " + test.count() + " images; is --data-dir the bundle's data set?");
            }
        }

        GradFam.Result result = gradFamOf(bundle, sae, feature, test, samples);
        List<GradFamImage> images = new ArrayList<>();
        List<ImageGrid.Cell> cells = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            int n = samples.get(i);
            String label = test.classNames().get(test.labels()[n]);
            float[][] map = result.maps()[i];
            images.add(new GradFamImage(n, label, result.latents()[i], GradFam.peak(map), result.raw()[i]));
            BufferedImage picture = ImageGrid.picture(Batches.normalised(test, n, n + 1, 0f, 1f), test.channels(),
                    test.height(), test.width());
            cells.add(new ImageGrid.Cell(picture, "#" + n + " " + label));
            cells.add(new ImageGrid.Cell(ImageGrid.overlay(picture, map),
                    String.format(Locale.ROOT, "z = %.3f", result.latents()[i])));
        }
        GradFamReport report = new GradFamReport(feature, entry.polarity(), "test",
                saved.isPresent() ? "catalog" : "computed", images);
        String name = outputName(bundle, "gradfam", feature);
        String title = String.format(Locale.ROOT, "Grad-FAM of feature %d: top %d test images (polarity %+d)", feature,
                samples.size(), entry.polarity());
        ImageGrid.write(bundle.file(name + ".png"), title, cells, 2 * PAIRS_PER_ROW, GRID_SCALE);
        bundle.writeJson(name + ".json", report);
        return report;
    }

    /**
     * Activation maximisation of {@code feature} in the sign the catalog reads it; writes
     * {@code maximize/feature-<l>.png} (enlarged) and {@code maximize/feature-<l>.json}.
     */
    public MaximizeReport maximize(Bundle bundle, int feature, ActivationMaximizer.Settings settings) {
        Sae sae = bundle.sae();
        checkFeature(sae, feature);
        int polarity = savedEntry(bundle, feature).map(FeatureEntry::polarity).orElse(1);
        InputSpec spec = bundle.inputSpec();
        Shape shape = bundle.imageShape();
        long start = System.nanoTime();
        ActivationMaximizer.Result result;
        try (Backbone backbone = bundle.openBackbone(device, true)) {
            Shape perChannel = new Shape(spec.channels(), 1, 1);
            NDArray mean = backbone.manager().create(spec.mean(), perChannel);
            NDArray std = backbone.manager().create(spec.std(), perChannel);
            Function<NDArray, NDArray> target = pixels -> sae.encode(backbone.activations(pixels.sub(mean).div(std)))
                    .get(new NDIndex(":, {}", feature)).mul(polarity);
            result = ActivationMaximizer.maximize(backbone.manager(), shape, target, settings, progress);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int channels = (int) shape.get(0);
        int height = (int) shape.get(1);
        int width = (int) shape.get(2);
        MaximizeReport report = new MaximizeReport(feature, polarity, settings, polarity * result.latent(),
                polarity * result.startLatent(), seconds, planes(result.image(), channels, height, width));
        String name = outputName(bundle, "maximize", feature);
        ImageGrid.write(bundle.file(name + ".png"), "Activation maximisation of feature " + feature,
                List.of(new ImageGrid.Cell(ImageGrid.picture(result.image(), channels, height, width),
                        String.format(Locale.ROOT, "z = %.3f (start %.3f)", report.latent(), report.startLatent()))),
                1, MAXIMIZE_SCALE);
        bundle.writeJson(name + ".json", report);
        return report;
    }

    /** Grad-FAM of test images {@code samples}, normalised the way the backbone was trained. */
    private GradFam.Result gradFamOf(Bundle bundle, Sae sae, int feature, ImageSet test, List<Integer> samples) {
        InputSpec spec = bundle.inputSpec();
        float[] batch = new float[samples.size() * test.imageSize()];
        for (int i = 0; i < samples.size(); i++) {
            int n = samples.get(i);
            System.arraycopy(spec.normalise(test, n, n + 1), 0, batch, i * test.imageSize(), test.imageSize());
        }
        // The map comes from either backbone kind; the gradient from the map onwards runs on the PyTorch engine.
        try (Backbone backbone = bundle.openBackbone(device);
             NDManager scope = NDManager.newBaseManager(device, "PyTorch")) {
            Backbone.FeatureMaps maps = backbone.featureMaps(scope, batch, samples.size());
            return GradFam.compute(maps.maps(), GradFam.latent(sae, feature, maps.activations()), test.height(),
                    test.width());
        }
    }

    private static void checkFeature(Sae sae, int feature) {
        if (feature < 0 || feature >= sae.latents()) {
            throw new SalveException("UNKNOWN_FEATURE", "there is no feature " + feature + ": the bundle's SAE has features 0.."
                    + (sae.latents() - 1));
        }
    }

    /** The feature's entry in catalog.json, unless there is none or it predates the SAE (then it ranks another SAE). */
    private static Optional<FeatureEntry> savedEntry(Bundle bundle, int feature) {
        Path catalog = bundle.file("catalog.json");
        try {
            if (!Files.isRegularFile(catalog)
                    || Files.getLastModifiedTime(catalog).compareTo(Files.getLastModifiedTime(bundle.file("sae.npz"))) < 0) {
                return Optional.empty();
            }
            JsonNode node = bundle.readJson("catalog.json", JsonNode.class).path("features").path(feature);
            return node.isMissingNode() ? Optional.empty() : Optional.of(Bundle.JSON.treeToValue(node, FeatureEntry.class));
        } catch (JsonProcessingException e) {
            throw new SalveException("BUNDLE_CORRUPT", "cannot read feature " + feature + " of " + catalog + ": "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot read " + catalog + ": " + e.getMessage(), e);
        }
    }

    /** {@code <stage>/feature-<l>}, the bundle-relative name of an output without its extension; creates the folder. */
    private static String outputName(Bundle bundle, String stage, int feature) {
        try {
            Files.createDirectories(bundle.file(stage));
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot create " + bundle.file(stage) + ": " + e.getMessage(), e);
        }
        return stage + "/feature-" + feature;
    }

    private static float[][][] planes(float[] image, int channels, int height, int width) {
        float[][][] out = new float[channels][height][width];
        for (int ch = 0; ch < channels; ch++) {
            for (int r = 0; r < height; r++) {
                System.arraycopy(image, (ch * height + r) * width, out[ch][r], 0, width);
            }
        }
        return out;
    }
}
