package io.salve.app;

import io.salve.core.SalveException;
import io.salve.edits.EditState;
import io.salve.http.ModelAdmin;
import io.salve.http.ModelView;
import io.salve.model.Bundle;
import io.salve.serve.ModelDirectory;
import io.salve.serve.ModelEndpoint;
import io.salve.serve.ReplicaPool;
import io.salve.wire.RequestCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The served models by name (Triton's model repository, KServe's multi-model serving): {@code salve.bundle} is the
 * default model, and every bundle directory under {@code salve.models} is served under its directory's name. Models
 * are loaded and unloaded while serving; a reload loads the new version, warms it up, switches traffic to it and only
 * then unloads the old one, so its requests never go unanswered.
 */
final class ModelRepository implements ModelDirectory, ModelAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);
    /** Model names become actor names, metric labels and URL path segments: keep them plain. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private ServiceWiring wiring;
    private final Path directory;
    private final String defaultModel;
    private final Map<String, ModelHost> hosts = new ConcurrentSkipListMap<>();
    private final Map<String, AtomicInteger> versions = new ConcurrentHashMap<>();
    private final Set<String> busy = ConcurrentHashMap.newKeySet();

    private ModelRepository(Path directory, String defaultModel) {
        this.directory = directory == null ? null : directory.toAbsolutePath().normalize();
        this.defaultModel = defaultModel;
    }

    /**
     * An empty repository over {@code directory} (null: none, only the default model is served), checked before any
     * model is loaded: {@code BAD_CONFIG} when it is not a directory.
     */
    static ModelRepository create(Path directory, String defaultModel) {
        if (directory != null && !Files.isDirectory(directory)) {
            throw new SalveException("BAD_CONFIG", "salve.models (SALVE_MODELS) is " + directory
                    + ", which is not a directory");
        }
        return new ModelRepository(directory, defaultModel);
    }

    /**
     * Loads the default model's bundle and every bundle under the repository directory, one after another. Blocks
     * until all serve.
     */
    void start(ServiceWiring wiring, Bundle defaultBundle) {
        this.wiring = wiring;
        add(defaultModel, defaultBundle);
        for (Path dir : bundlesInDirectory()) {
            String name = dir.getFileName().toString();
            if (name.equals(defaultModel)) {
                if (!dir.equals(defaultBundle.dir().toAbsolutePath().normalize())) {
                    throw new SalveException("BAD_CONFIG", "two models are named " + name + ": salve.bundle "
                            + defaultBundle.dir() + " and " + dir + "; rename one directory");
                }
                continue;
            }
            add(checkName(name), Bundle.open(dir));
        }
    }

    private List<Path> bundlesInDirectory() {
        if (directory == null) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(directory)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("bundle.json")))
                    .map(d -> d.toAbsolutePath().normalize()).sorted(Comparator.naturalOrder()).toList();
        } catch (IOException e) {
            throw new SalveException("BAD_CONFIG", "cannot list salve.models " + directory + ": " + e.getMessage(), e);
        }
    }

    private void add(String name, Bundle bundle) {
        hosts.put(name, ModelHost.start(wiring, name, nextVersion(name), bundle, () -> { }));
    }

    private String nextVersion(String name) {
        return Integer.toString(versions.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet());
    }

    @Override
    public String defaultModel() {
        return defaultModel;
    }

    @Override
    public Optional<ModelEndpoint> find(String name) {
        return Optional.ofNullable(served(name));
    }

    @Override
    public List<ModelEndpoint> models() {
        return List.copyOf(hosts.values());
    }

    /** The codec of a served model ({@code null}: the default model), or null: what the request router asks. */
    RequestCodec codec(String name) {
        ModelHost host = served(name);
        return host == null ? null : host.codec();
    }

    /** The host serving {@code name} ({@code null}: the default model), or null. */
    private ModelHost served(String name) {
        return hosts.get(name == null ? defaultModel : name);
    }

    /** The host that answers requests of {@code name} now, if any. */
    Optional<ModelHost> host(String name) {
        return Optional.ofNullable(hosts.get(name));
    }

    @Override
    public CompletionStage<ModelEndpoint> load(String name, Path dir) {
        CompletableFuture<ModelEndpoint> loaded = new CompletableFuture<>();
        String checked;
        Path bundleDir;
        try {
            checked = checkName(name);
            bundleDir = resolve(checked, dir);
        } catch (SalveException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!busy.add(checked)) {
            return CompletableFuture.failedFuture(new SalveException("MODEL_BUSY", "model " + checked
                    + " is being loaded or unloaded; try again when that is done"));
        }
        wiring.blocking().execute(() -> {
            try {
                loaded.complete(replace(checked, Bundle.open(bundleDir)));
            } catch (RuntimeException e) {
                loaded.completeExceptionally(e);
            } finally {
                busy.remove(checked);
            }
        });
        return loaded;
    }

    /** Load before unload: the old version answers until the new one is loaded and warmed up. */
    private ModelHost replace(String name, Bundle bundle) {
        ModelHost old = hosts.get(name);
        // One writer per journal: once the new version has loaded, the old one's registry stops (its replicas keep
        // serving its last edit set), and edit calls fail until the new version's registry has recovered.
        ModelHost host = ModelHost.start(wiring, name, nextVersion(name), bundle, () -> {
            if (old != null) {
                old.releaseEdits().toCompletableFuture().join();
            }
        });
        hosts.put(name, host);
        if (old != null) {
            old.stop(wiring.kafka().requestTimeout()).toCompletableFuture().join();
        }
        LOG.info("model {} version {} serves{}", name, host.version(), old != null ? " (replaced version "
                + old.version() + ")" : "");
        return host;
    }

    @Override
    public CompletionStage<Void> unload(String name) {
        ModelHost host = name == null ? null : hosts.get(name);
        if (host == null) {
            return CompletableFuture.failedFuture(new SalveException("UNKNOWN_MODEL", "model \"" + name
                    + "\" is not being served"));
        }
        if (!busy.add(name)) {
            return CompletableFuture.failedFuture(new SalveException("MODEL_BUSY", "model " + name
                    + " is being loaded or unloaded; try again when that is done"));
        }
        // Out of the directory first: new requests are refused (UNKNOWN_MODEL) at the edge, taken ones answered.
        hosts.remove(name, host);
        wiring.api().remove(name);
        return host.stop(wiring.kafka().requestTimeout()).thenAccept(done -> {
            wiring.metrics().forget(name);
            wiring.telemetryMetrics().forget(name);
        }).whenComplete((v, failure) -> busy.remove(name));
    }

    /** Every model being served stops (the service is shutting down, requests drained). */
    CompletionStage<Void> stopAll() {
        List<CompletableFuture<?>> stops = new ArrayList<>();
        for (ModelHost host : hosts.values()) {
            stops.add(host.stop(wiring.kafka().requestTimeout()).toCompletableFuture());
        }
        return CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new));
    }

    @Override
    public CompletionStage<List<ModelView>> describe() {
        List<CompletableFuture<ModelView>> views = new ArrayList<>();
        for (ModelHost host : hosts.values()) {
            views.add(describe(host).toCompletableFuture());
        }
        return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
                .thenApply(v -> views.stream().map(CompletableFuture::join).toList());
    }

    @Override
    public CompletionStage<ModelView> load(String name, String bundle) {
        Path dir;
        try {
            dir = bundle == null ? null : Path.of(bundle);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new SalveException("BAD_MODEL_PATH", "not a path: " + bundle));
        }
        return load(name, dir).thenCompose(endpoint -> describe((ModelHost) endpoint));
    }

    CompletionStage<ModelView> describe(ModelHost host) {
        return host.status().thenCombine(host.edits(), (ReplicaPool.Status status, EditState edits) -> {
            Bundle b = host.bundle();
            return new ModelView(host.name(), host.version(), host.ready() ? "READY" : "UNLOADING",
                    host.name().equals(defaultModel), b.dir().toString(), b.metadata().inputShape(),
                    b.metadata().classNames(), host.served() == null ? null : new ModelView.Sae(
                    host.served().sae().kind().id(), host.served().sae().latents(), host.served().sae().inputDim()),
                    edits == null ? null : edits.version(), edits == null ? null : edits.active().size(),
                    status.replicas().stream().map(r -> new ModelView.Replica(r.name(), r.device(), r.ready()))
                            .toList());
        });
    }

    /** The bundle directory of a load: under the repository directory, whatever the caller wrote. */
    private Path resolve(String name, Path dir) {
        if (directory == null) {
            throw new SalveException("NO_REPOSITORY", "no model repository is configured: set salve.models "
                    + "(SALVE_MODELS) to the directory models may be loaded from");
        }
        Path resolved = (dir == null ? directory.resolve(name) : directory.resolve(dir)).toAbsolutePath().normalize();
        if (!resolved.startsWith(directory)) {
            throw new SalveException("BAD_MODEL_PATH", dir + " is not under the model repository " + directory);
        }
        if (!Files.isRegularFile(resolved.resolve("bundle.json"))) {
            throw new SalveException("BUNDLE_NOT_FOUND", "no bundle.json in " + resolved);
        }
        try {
            // A symbolic link inside the repository must not lead out of it.
            if (!resolved.toRealPath().startsWith(directory.toRealPath())) {
                throw new SalveException("BAD_MODEL_PATH", dir + " leads out of the model repository " + directory);
            }
        } catch (IOException e) {
            throw new SalveException("BUNDLE_NOT_FOUND", "cannot read " + resolved + ": " + e.getMessage(), e);
        }
        return resolved;
    }

    private static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new SalveException("BAD_MODEL_NAME", "a model name is 1-64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit; got \"" + name + "\"");
        }
        return name;
    }
}
