package io.salve.app;

import ai.djl.Device;
import io.salve.core.SalveException;
import io.salve.edits.EditJournal;
import io.salve.edits.EditState;
import io.salve.edits.RegistryActorClient;
import io.salve.http.ServedModel;
import io.salve.model.Bundle;
import io.salve.model.InputSpec;
import io.salve.pipeline.Discovery;
import io.salve.serve.BatchModel;
import io.salve.serve.BundleBatchModel;
import io.salve.serve.Guardian;
import io.salve.serve.HeadSwapper;
import io.salve.serve.InferenceRequest;
import io.salve.serve.InferenceResult;
import io.salve.serve.ModelEndpoint;
import io.salve.serve.ReplicaPool;
import io.salve.serve.ServeConfig;
import io.salve.serve.ServingHead;
import io.salve.telemetry.ModelMetrics;
import io.salve.wire.RequestCodec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded version of one model: its replica pool (its own replicas and batches, so a slow model does not hold up
 * a fast one), its edit registry and head swapper, its request codec, metrics and observation windows. Started
 * (blocking) by {@link ModelRepository}; {@link #stop} refuses new requests, answers the ones taken and then stops.
 */
final class ModelHost implements ModelEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(ModelHost.class);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);
    /** Requests run through a new version before it takes traffic: the first batches pay for lazy initialisation. */
    private static final int WARM_UP_REQUESTS = 4;

    private final String name;
    private final String version;
    private final Bundle bundle;
    private final ServiceWiring wiring;
    private final ActorRef<ReplicaPool.Command> pool;
    private final RequestCodec codec;
    private final ModelMetrics metrics;
    private final ObservationWindows windows;
    private final ServedModel served;
    private final RegistryActorClient edits;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean accepting = true;
    private CompletionStage<Done> editsReleased;

    private ModelHost(String name, String version, Bundle bundle, ServiceWiring wiring,
                      ActorRef<ReplicaPool.Command> pool, ModelMetrics metrics, ObservationWindows windows,
                      ServedModel served, RegistryActorClient edits) {
        this.name = name;
        this.version = version;
        this.bundle = bundle;
        this.wiring = wiring;
        this.pool = pool;
        this.codec = new RequestCodec(bundle.inputSpec(), bundle.metadata().classNames().size(),
                wiring.kafka().maxRequestBytes(), name);
        this.metrics = metrics;
        this.windows = windows;
        this.served = served;
        this.edits = edits;
    }

    /**
     * Loads {@code bundle} as version {@code version} of {@code name}: replicas loaded, the edit registry recovered and
     * its edits in the replicas, warmed up. Blocks: call it off the actors.
     *
     * @param handOver run once the bundle has loaded (replicas ready, catalog and held-out activations read) and just
     *                 before this version's edit registry starts: a reload stops the old version's registry there,
     *                 so edits are refused only while the new one recovers, and a bundle that fails to load leaves
     *                 the old registry running
     */
    static ModelHost start(ServiceWiring wiring, String name, String version, Bundle bundle, Runnable handOver) {
        ServeConfig serve = wiring.serve();
        ModelMetrics metrics = wiring.metrics().model(name);
        List<ReplicaPool.ReplicaSpec> specs = new ArrayList<>();
        for (ServeConfig.Slot slot : serve.replicas()) {
            Supplier<BatchModel> models = serve.faults().wrap(() -> new BundleBatchModel(bundle,
                    Device.fromName(slot.device()), wiring.observe().telemetry().enabled(),
                    wiring.observe().diagnostics().enabled()));
            specs.add(new ReplicaPool.ReplicaSpec(slot.name(), slot.device(),
                    () -> wiring.telemetryMetrics().timed(name, slot.name(), models.get())));
        }
        String actor = actorName(name, version);
        ActorRef<ReplicaPool.Command> pool = AskPattern.<Guardian.Command, ActorRef<ReplicaPool.Command>>ask(
                wiring.system(), reply -> new Guardian.StartPool("replica-pool-" + actor, ReplicaPool.create(specs,
                        bundle.metadata().classNames(), ServingHead.unedited(bundle.head()), serve.batching(),
                        metrics::batch), reply), ASK_TIMEOUT, wiring.system().scheduler()).toCompletableFuture().join();
        ServedModel served = null;
        RegistryActorClient edits = null;
        ObservationWindows windows = null;
        try {
            Discovery.DataRef data = null;
            if (bundle.hasSae()) {
                // Head, SAE, catalog and held-out activations read once (the activations built first when
                // missing), for the registry's validation, the API and every edit version's head.
                data = Discovery.dataOf(bundle, serve.dataDir());
                served = OperatorModel.load(bundle, name, data);
            }
            awaitReplicas(wiring, name, bundle, pool);
            handOver.run();
            if (served != null) {
                edits = EditJournal.startRegistry(wiring.system(), name, served.head(), served.sae());
                followEdits(wiring, name, actor, pool, served, edits, metrics);
            }
            windows = ObservationWindows.start(wiring.system(), name, bundle, wiring.observe(),
                    wiring.kafka(), wiring.windowRecords(), wiring.telemetryMetrics());
            ModelHost host = new ModelHost(name, version, bundle, wiring, pool, metrics, windows, served, edits);
            host.warmUp();
            wiring.system().tell(new Guardian.Serving(pool));
            if (served != null) {
                // Only a version that serves takes over the model's feature and edit routes.
                wiring.api().serve(served, edits, new GradFamCache(bundle, data, served.catalog()));
            }
            LOG.info("model {} version {} from {}: replicas {}, input {}x{}x{}, {} classes{}", name, version,
                    bundle.dir(), serve.replicas().stream().map(ServeConfig.Slot::name).toList(),
                    bundle.inputSpec().channels(), bundle.inputSpec().height(), bundle.inputSpec().width(),
                    bundle.metadata().classNames().size(), served != null ? ", SAE and edit registry" : ", no SAE");
            return host;
        } catch (RuntimeException e) {
            try {
                if (windows != null) {
                    windows.close();
                }
                stopPool(wiring, pool).toCompletableFuture().join();
                if (edits != null) {
                    edits.stop().toCompletableFuture().join();
                }
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Puts the registry's edit set into the replicas now, and every later change as it is persisted. */
    private static void followEdits(ServiceWiring wiring, String name, String actor, ActorRef<ReplicaPool.Command> pool,
                                    ServedModel served, RegistryActorClient edits, ModelMetrics metrics) {
        // The diagnostics' held-out alpha_flip of every suppression is up to seconds of work: built after the head is
        // served, off the actors, and not at all when the diagnostics are off (nothing would read it).
        float[][] heldOut = served.heldOut().rows();
        UnaryOperator<ServingHead> references = wiring.observe().diagnostics().enabled()
                ? head -> head.withReferences(heldOut) : null;
        Function<EditState, ServingHead> heads = state -> ServingHead.of(served.head(), served.sae(), state.editSet(),
                state.version());
        EditState recovered = edits.current().toCompletableFuture().join();
        if (recovered.version() > 0) {
            ServingHead unreferenced = heads.apply(recovered);
            ServingHead head = references != null ? references.apply(unreferenced) : unreferenced;
            AskPattern.<ReplicaPool.Command, Long>ask(pool, ack -> new ReplicaPool.SwapHead(head, ack), ASK_TIMEOUT,
                    wiring.system().scheduler()).toCompletableFuture().join();
        }
        metrics.editVersion(recovered.version());
        LOG.info("edit registry of {}: version {}, {} active edits", name, recovered.version(),
                recovered.active().size());
        wiring.system().systemActorOf(HeadSwapper.create(pool, recovered.version(), edits::subscribe, heads,
                references, wiring.blocking(), metrics::swapped), "head-swapper-" + actor, Props.empty());
    }

    /**
     * Waits until every replica has loaded the bundle; a pool that stopped (its replicas could not load it) fails the
     * load.
     */
    private static void awaitReplicas(ServiceWiring wiring, String name, Bundle bundle,
                                      ActorRef<ReplicaPool.Command> pool) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            ReplicaPool.Status status;
            try {
                status = status(wiring, pool).toCompletableFuture().join();
            } catch (CompletionException e) {
                throw new SalveException("MODEL_LOAD_FAILED", "the replicas of " + name + " stopped while loading "
                        + bundle.dir() + " (see the service log for why): the bundle's backbone could not be loaded",
                        e);
            }
            if (status.allReady()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new SalveException("MODEL_NOT_READY", "the replicas of " + name + " did not load within 60 s");
            }
            sleep(20);
        }
    }

    /** Runs a few blank images through every replica: their first batches pay for lazy initialisation. */
    private void warmUp() {
        List<CompletableFuture<InferenceResult>> warm = new ArrayList<>();
        for (int i = 0; i < WARM_UP_REQUESTS * wiring.serve().replicas().size(); i++) {
            CompletableFuture<InferenceResult> result = new CompletableFuture<>();
            pool.tell(new ReplicaPool.Submit(new InferenceRequest("warm-up-" + i, name,
                    new float[bundle.inputSpec().imageSize()], null, System.nanoTime()), result));
            warm.add(result);
        }
        CompletableFuture.allOf(warm.toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS).join();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public InputSpec input() {
        return bundle.inputSpec();
    }

    @Override
    public List<String> classNames() {
        return bundle.metadata().classNames();
    }

    @Override
    public boolean ready() {
        return accepting;
    }

    Bundle bundle() {
        return bundle;
    }

    ActorRef<ReplicaPool.Command> pool() {
        return pool;
    }

    RequestCodec codec() {
        return codec;
    }

    /** The model's SAE, catalog and head as the API reads them; null without an SAE. */
    ServedModel served() {
        return served;
    }

    /** The edit registry's state now; null without an SAE. */
    CompletionStage<EditState> edits() {
        return edits == null ? CompletableFuture.completedFuture(null) : edits.current();
    }

    CompletionStage<ReplicaPool.Status> status() {
        return status(wiring, pool);
    }

    private static CompletionStage<ReplicaPool.Status> status(ServiceWiring wiring,
                                                              ActorRef<ReplicaPool.Command> pool) {
        return AskPattern.ask(pool, ReplicaPool.GetStatus::new, ASK_TIMEOUT, wiring.system().scheduler());
    }

    /** Counts an answered request of this model into its metrics and windows. */
    void answered(InferenceResult result) {
        windows.add(result);
    }

    @Override
    public CompletionStage<InferenceResult> infer(InferenceRequest request) {
        inFlight.incrementAndGet();
        if (!accepting) {
            inFlight.decrementAndGet();
            return CompletableFuture.completedFuture(InferenceResult.failure(request.id(), name, "MODEL_UNLOADING",
                    "model " + name + " version " + version + " is being unloaded"));
        }
        metrics.accepted();
        // A plain future, not an ask: an ask's stage runs every non-async callback asynchronously, and on 2 cores
        // (common pool parallelism 1) that is a new thread per callback, i.e. per request. Callers bound the wait
        // (the stream's request-timeout, the API's infer-timeout).
        CompletableFuture<InferenceResult> result = new CompletableFuture<>();
        pool.tell(new ReplicaPool.Submit(request, result));
        return result.whenComplete((r, failure) -> {
            metrics.left();
            inFlight.decrementAndGet();
        });
    }

    /**
     * Stops the edit registry (a new version of the model recovers the same journal, so only one may write). The
     * replicas keep serving the head they have until {@link #stop}.
     */
    synchronized CompletionStage<Done> releaseEdits() {
        if (editsReleased == null) {
            editsReleased = edits == null ? CompletableFuture.completedFuture(Done.getInstance()) : edits.stop();
        }
        return editsReleased;
    }

    /**
     * Refuses new requests ({@code MODEL_UNLOADING}), waits until the ones taken are answered (at most
     * {@code drain}), publishes the last windows, then stops the replicas and the edit registry.
     */
    CompletionStage<Done> stop(Duration drain) {
        accepting = false;
        return CompletableFuture.runAsync(() -> {
            long deadline = System.nanoTime() + drain.toNanos();
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                sleep(5);
            }
            if (inFlight.get() > 0) {
                LOG.warn("model {} version {}: {} requests still unanswered after {} ms; stopping anyway", name,
                        version, inFlight.get(), drain.toMillis());
            }
            windows.close();
        }, wiring.blocking()).thenCompose(v -> stopPool(wiring, pool))
                .thenCompose(done -> releaseEdits())
                .whenComplete((done, failure) -> LOG.info("model {} version {} unloaded", name, version));
    }

    private static CompletionStage<Done> stopPool(ServiceWiring wiring, ActorRef<ReplicaPool.Command> pool) {
        return AskPattern.ask(wiring.system(), reply -> new Guardian.StopPool(pool, reply), ASK_TIMEOUT,
                wiring.system().scheduler());
    }

    /** A unique, path-safe actor name for a model version. */
    private static String actorName(String name, String version) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8) + "-v" + version;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SalveException("INTERRUPTED", "interrupted");
        }
    }
}
