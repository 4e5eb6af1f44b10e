package io.salve.http;

import io.salve.core.SalveException;
import io.salve.model.Bundle;
import io.salve.model.InputSpec;
import io.salve.serve.InferenceRequest;
import io.salve.serve.InferenceResult;
import io.salve.serve.ModelDirectory;
import io.salve.serve.ModelEndpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;

/**
 * The HTTP tests' served models: the tiny bundle under several names, each answered as the test says (its replica
 * pool, an error, never). Loading a name serves the pool under it ("missing" has no bundle); unloading forgets it.
 */
final class TestModels implements ModelDirectory, ModelAdmin {

    /** One served name. */
    record Model(String name, String version, boolean ready, InputSpec input, List<String> classNames,
                 Function<InferenceRequest, CompletionStage<InferenceResult>> answer) implements ModelEndpoint {

        @Override
        public CompletionStage<InferenceResult> infer(InferenceRequest request) {
            return answer.apply(request);
        }
    }

    final Map<String, ModelEndpoint> served = new ConcurrentSkipListMap<>();
    final List<String> loads = new ArrayList<>();
    private final String defaultModel;
    private final Bundle bundle;
    private final Function<InferenceRequest, CompletionStage<InferenceResult>> pool;

    /** Serves {@code defaultModel}, answered by {@code pool}. */
    TestModels(String defaultModel, Bundle bundle, Function<InferenceRequest, CompletionStage<InferenceResult>> pool) {
        this.defaultModel = defaultModel;
        this.bundle = bundle;
        this.pool = pool;
        add(defaultModel, "1", true, pool);
    }

    void add(String name, String version, boolean ready,
             Function<InferenceRequest, CompletionStage<InferenceResult>> answer) {
        served.put(name, new Model(name, version, ready, bundle.inputSpec(), bundle.metadata().classNames(), answer));
    }

    @Override
    public String defaultModel() {
        return defaultModel;
    }

    @Override
    public Optional<ModelEndpoint> find(String name) {
        return Optional.ofNullable(served.get(name == null ? defaultModel : name));
    }

    @Override
    public List<ModelEndpoint> models() {
        return List.copyOf(served.values());
    }

    @Override
    public CompletionStage<ModelEndpoint> load(String name, Path dir) {
        if (name.equals("missing")) {
            return CompletableFuture.failedFuture(new SalveException("BUNDLE_NOT_FOUND", "no bundle \"missing\""));
        }
        loads.add(name);
        add(name, "1", true, pool);
        return CompletableFuture.completedFuture(served.get(name));
    }

    @Override
    public CompletionStage<ModelView> load(String name, String bundleDir) {
        return load(name, (Path) null).thenApply(this::view);
    }

    @Override
    public CompletionStage<Void> unload(String name) {
        return served.remove(name) != null ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new SalveException("UNKNOWN_MODEL", "no model \"" + name + "\""));
    }

    @Override
    public CompletionStage<List<ModelView>> describe() {
        return CompletableFuture.completedFuture(served.values().stream().map(this::view).toList());
    }

    private ModelView view(ModelEndpoint m) {
        return new ModelView(m.name(), m.version(), m.ready() ? "READY" : "LOADING", m.name().equals(defaultModel),
                bundle.dir().toString(), bundle.metadata().inputShape(), m.classNames(), null, null, null, List.of());
    }
}
