package io.salve.pipeline;

import ai.djl.Device;
import io.salve.core.FeatureCatalog;
import io.salve.core.FeatureSelection;
import io.salve.core.Head;
import io.salve.core.Progress;
import io.salve.core.Sae;
import io.salve.core.SaeConfig;
import io.salve.core.SaeMetrics;
import io.salve.core.SaeTrainer;
import io.salve.data.Batches;
import io.salve.data.DataSources;
import io.salve.data.ImageSet;
import io.salve.core.SalveException;
import io.salve.data.Resize;
import io.salve.model.Activations;
import io.salve.model.Architecture;
import io.salve.model.Backbone;
import io.salve.model.Bundle;
import io.salve.model.BundleMetadata;
import io.salve.model.ClassifierMetrics;
import io.salve.model.ClassifierTrainer;
import io.salve.model.Inference;
import io.salve.model.InputSpec;
import io.salve.model.Network;
import io.salve.model.TrainConfig;
import io.salve.viz.Charts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SALVE's discover stage over a bundle, step by step: train a backbone, train an SAE on its target-layer activations,
 * catalogue the features. Each step reads what the previous one wrote to the bundle, so steps can be re-run alone.
 */
public final class Discovery {

    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
    private static final int INFERENCE_BATCH = 256;

    private final Progress progress;
    private final Device device;

    public Discovery(Device device, Progress progress) {
        this.device = device;
        this.progress = progress;
    }

    /**
     * Where a bundle's data comes from: a data set name, an optional directory, and how many training images to use
     * (the first {@code limit}; 0 = all). The test split is always used whole.
     */
    public record DataRef(String name, Path dir, int limit) {

        ImageSet load(boolean train) {
            return limited(DataSources.load(name, dir, train), train);
        }

        /** The split as the bundle's backbone takes it: converted to its channels and size by its resize policy. */
        ImageSet load(boolean train, InputSpec spec) {
            return limited(DataSources.load(name, dir, train, spec.channels(), spec.height(), spec.width(),
                    spec.resize()), train);
        }

        private ImageSet limited(ImageSet set, boolean train) {
            return train && limit > 0 ? set.head(limit) : set;
        }
    }

    /** Trains a backbone + head and writes a new bundle with its test metrics. */
    public Bundle trainBackbone(DataRef data, TrainConfig config, Path out) {
        ImageSet train = data.load(true);
        ImageSet test = data.load(false);
        float[] meanStd = Batches.meanStd(train);
        long start = System.nanoTime();
        try (Network network = ClassifierTrainer.train(train, config, meanStd[0], meanStd[1], device, progress)) {
            double seconds = (System.nanoTime() - start) / 1e9;
            BundleMetadata metadata = new BundleMetadata(BundleMetadata.FORMAT_VERSION, config.architecture().id(),
                    List.of(train.channels(), train.height(), train.width()), List.of(meanStd[0]), List.of(meanStd[1]),
                    Resize.SQUASH.id(), train.classNames(), config.architecture().targetLayer(), network.head().dim(),
                    "PyTorch",
                    new BundleMetadata.Training(data.name(), data.dir() == null ? null : data.dir().toString(), data.limit(),
                            config.epochs(), config.batchSize(), config.seed(), config.learningRate(),
                            config.warmupEpochs(), config.weightDecay(), seconds), null,
                    config.architecture() == Architecture.VIT ? config.vit() : null);
            Bundle bundle = Bundle.create(out, metadata);
            bundle.saveNetwork(network);
            int[] predictions = Inference.of(network, metadata, INFERENCE_BATCH).predict(test, progress);
            ClassifierMetrics metrics = ClassifierMetrics.of(predictions, test.labels(), test.numClasses());
            bundle.writeJson("metrics.json", metrics);
            LOG.info("trained {} in {} s: test accuracy {}", config.architecture().id(), Math.round(seconds),
                    String.format("%.4f", metrics.testAccuracy()));
            return bundle;
        }
    }

    /**
     * Target-layer activations of a split, extracted once through the bundle's backbone (built in or imported) and
     * cached in the bundle. The data set is the one the bundle was trained on unless {@code data} names another.
     */
    public Activations activations(Bundle bundle, DataRef data, String split) {
        return bundle.cachedActivations(split).orElseGet(() -> {
            InputSpec spec = bundle.inputSpec();
            ImageSet images = data.load("train".equals(split), spec);
            List<String> classes = bundle.metadata().classNames();
            if (images.numClasses() != classes.size()) {
                throw new SalveException("DATA_MISMATCH", "data set " + data.name() + " has " + images.numClasses()
                        + " classes " + images.classNames() + " but the bundle's head has " + classes.size() + " "
                        + classes + "; labels must be the head's class indices");
            }
            try (Backbone backbone = bundle.openBackbone(device)) {
                Activations activations = new Inference(backbone, bundle.head(), spec, INFERENCE_BATCH)
                        .activations(images, progress);
                bundle.cacheActivations(split, activations);
                return activations;
            }
        });
    }

    /**
     * The bundle's own training data (for an imported bundle: the data its SAE was trained on), under
     * {@code overrideDir} if the user points elsewhere.
     */
    public static DataRef dataOf(Bundle bundle, Path overrideDir) {
        BundleMetadata.Training t = bundle.metadata().training();
        if (t != null) {
            Path dir = overrideDir != null ? overrideDir : t.dataDir() == null ? null : Path.of(t.dataDir());
            return new DataRef(t.dataset(), dir, t.limit());
        }
        if (!Files.isRegularFile(bundle.file("sae.json"))) {
            throw new SalveException("DATA_UNKNOWN", bundle.dir() + " holds an imported model and names no data set "
                    + "yet; give one: salve sae --bundle " + bundle.dir() + " --data folder --data-dir DIR");
        }
        DataRef used = bundle.readJson("sae.json", SaeReport.class).data();
        return new DataRef(used.name(), overrideDir != null ? overrideDir : used.dir(), used.limit());
    }

    /** Trains an SAE on the train-split activations; writes sae.npz and sae.json (config + test metrics). */
    public SaeReport trainSae(Bundle bundle, DataRef data, SaeConfig config) {
        Activations train = activations(bundle, data, "train");
        Activations test = activations(bundle, data, "test");
        long start = System.nanoTime();
        Sae sae = SaeTrainer.train(train.rows(), config, progress);
        double seconds = (System.nanoTime() - start) / 1e9;
        SaeMetrics metrics = SaeMetrics.evaluate(sae, test.rows());
        SaeReport report = new SaeReport(config, metrics.fvu(), metrics.meanL0(), metrics.deadLatents(),
                splicedAccuracy(bundle.head(), sae, test), seconds / config.epochs(), train.count(), train.dim(), data);
        bundle.writeSae(sae);
        bundle.writeJson("sae.json", report);
        LOG.info("SAE {}: fvu {}, mean L0 {}, dead {}, spliced accuracy {}, {} s/epoch", config.kind().id(),
                fmt(report.fvu()), fmt(report.meanL0()), report.deadLatents(), fmt(report.splicedAccuracy()),
                fmt(report.secondsPerEpoch()));
        return report;
    }

    /** What {@code sae.json} holds; {@code data} is the data set its activations came from. */
    public record SaeReport(SaeConfig config, double fvu, double meanL0, int deadLatents, double splicedAccuracy,
                            double secondsPerEpoch, int trainSamples, int inputDim, DataRef data) {
    }

    /** Accuracy of the head applied to the SAE's reconstruction instead of the activation. */
    static double splicedAccuracy(Head head, Sae sae, Activations test) {
        int right = 0;
        for (int n = 0; n < test.count(); n++) {
            if (head.predict(sae.decode(sae.encode(test.rows()[n]))) == test.labels()[n]) {
                right++;
            }
        }
        return (double) right / Math.max(1, test.count());
    }

    /** The feature catalog of the bundle's SAE on the test split, without writing it. */
    public FeatureCatalog catalog(Bundle bundle, DataRef data, int topCount) {
        Sae sae = bundle.sae();
        Activations test = activations(bundle, data, "test");
        float[][] latents = new float[test.count()][];
        for (int n = 0; n < latents.length; n++) {
            latents[n] = sae.encode(test.rows()[n]);
        }
        SaeMetrics metrics = SaeMetrics.evaluate(sae, test.rows());
        return FeatureCatalog.build(latents, test.labels(), bundle.metadata().classNames(), metrics.firingRate(),
                topCount);
    }

    /** Builds the feature catalog on the test split; writes catalog.json and catalog-heatmap.png. */
    public FeatureCatalog catalogFeatures(Bundle bundle, DataRef data, int topCount) {
        FeatureCatalog catalog = catalog(bundle, data, topCount);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("split", "test");
        json.put("crossClassRatio", FeatureCatalog.CROSS_CLASS_RATIO);
        json.put("distinctDominantFeatures", catalog.distinctDominantFeatures());
        json.put("distinctSelectiveFeatures", catalog.distinctFeatures(FeatureSelection.SELECTIVE));
        json.put("selection", FeatureCatalog.SELECTION.id());
        json.put("classes", catalog.classes());
        json.put("crossClassFeatures", catalog.crossClassFeatures());
        json.put("features", catalog.features());
        json.put("classMeans", catalog.classMeans());
        json.put("selectivity", catalog.selectivity());
        bundle.writeJson("catalog.json", json);
        Charts.heatmap(bundle.file("catalog-heatmap.png"), "Class-conditional mean latents mu_k",
                catalog.classMeans(), bundle.metadata().classNames(), "SAE feature");
        LOG.info("catalog: {} distinct dominant features over {} classes, {} cross-class features",
                catalog.distinctDominantFeatures(), catalog.classes().size(), catalog.crossClassFeatures().size());
        return catalog;
    }

    private static String fmt(double v) {
        return String.format("%.4f", v);
    }
}
