package io.salve.app;

import ai.djl.Device;
import io.salve.core.FeatureCatalog;
import io.salve.core.Progress;
import io.salve.http.GradFamMaps;
import io.salve.model.Bundle;
import io.salve.pipeline.Discovery;
import io.salve.pipeline.Validation;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Grad-FAM grids for the operator API. Each is computed once (a backbone forward and backward over the feature's top
 * test images: seconds) and kept as the bundle's {@code gradfam/feature-<l>.png}, the file {@code salve gradfam}
 * writes: it depends only on the bundle, so it stays valid across restarts until the SAE or catalog changes.
 */
public final class GradFamCache implements GradFamMaps {

    /** Grad-FAM images per feature map (fewer if the catalog ranks fewer). */
    private static final int IMAGES = 8;

    private final Bundle bundle;
    private final Discovery.DataRef data;
    private final FeatureCatalog catalog;
    /** PyTorch has one gradient collector per process: one map at a time, on a thread of its own. */
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "salve-gradfam");
        t.setDaemon(true);
        return t;
    });
    private final Map<Integer, CompletableFuture<Path>> maps = new ConcurrentHashMap<>();

    /** @param data the bundle's data set, whose test images the maps show */
    public GradFamCache(Bundle bundle, Discovery.DataRef data, FeatureCatalog catalog) {
        this.bundle = bundle;
        this.data = data;
        this.catalog = catalog;
    }

    @Override
    public CompletionStage<Path> png(int feature) {
        CompletableFuture<Path> png = maps.computeIfAbsent(feature, f -> CompletableFuture.supplyAsync(() -> {
            Path file = bundle.file("gradfam/feature-" + f + ".png");
            if (!OperatorModel.isFresh(bundle, file)) {
                int count = Math.min(IMAGES, catalog.features().get(f).topSamples().size());
                new Validation(Device.cpu(), Progress.NONE).gradFam(bundle, data, f, Math.max(1, count));
            }
            return file;
        }, thread));
        // A failure is not cached: the next request tries again.
        png.whenComplete((file, failure) -> {
            if (failure != null) {
                maps.remove(feature, png);
            }
        });
        return png;
    }
}
