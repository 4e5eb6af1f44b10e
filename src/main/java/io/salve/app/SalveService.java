package io.salve.app;

import ai.djl.Device;
import com.typesafe.config.Config;
import io.salve.core.Progress;
import io.salve.data.DataSources;
import io.salve.data.FashionMnist;
import io.salve.devbroker.EmbeddedKafka;
import io.salve.edits.EditJournal;
import io.salve.edits.EditState;
import io.salve.edits.RegistryActorClient;
import io.salve.http.ApiSettings;
import io.salve.http.HealthRoutes;
import io.salve.http.HttpServer;
import io.salve.http.MetricsRoutes;
import io.salve.http.OperatorApi;
import io.salve.http.ServedModel;
import io.salve.kafka.DemoTraffic;
import io.salve.kafka.KafkaConfig;
import io.salve.kafka.ObservationRecords;
import io.salve.kafka.RequestStream;
import io.salve.kafka.Topics;
import io.salve.model.Bundle;
import io.salve.model.EngineCheck;
import io.salve.pipeline.DemoBundle;
import io.salve.pipeline.Discovery;
import io.salve.serve.BatchModel;
import io.salve.serve.BundleBatchModel;
import io.salve.serve.FaultInjection;
import io.salve.serve.Guardian;
import io.salve.serve.ShutdownFailure;
import io.salve.serve.HeadSwapper;
import io.salve.serve.InferenceResult;
import io.salve.serve.InferenceService;
import io.salve.serve.ReplicaPool;
import io.salve.serve.ServeConfig;
import io.salve.serve.ServingHead;
import io.salve.telemetry.ServiceMetrics;
import io.salve.telemetry.TelemetryConfig;
import io.salve.telemetry.TelemetryMetrics;
import io.salve.wire.RequestCodec;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: broker (embedded or external), topics, the actor system with its replicas, the Kafka request
 * stream, the HTTP endpoints and optional demo traffic.
 *
 * <p>Shutdown (SIGTERM, or {@link #close()}) runs Pekko's coordinated shutdown in the order that loses nothing: stop
 * the demo traffic and polling, drain the requests in flight (results produced and acknowledged, offsets committed),
 * unbind HTTP, stop the actors, and last stop the embedded broker.
 */
public final class SalveService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SalveService.class);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

    private final ActorSystem<Guardian.Command> system;
    private final ActorRef<ReplicaPool.Command> pool;
    private final String bootstrap;
    private final KafkaConfig kafka;
    private final Admin admin;
    private final Bundle bundle;
    private final ServiceMetrics metrics;
    private final ServerBinding http;

    private SalveService(ActorSystem<Guardian.Command> system, ActorRef<ReplicaPool.Command> pool, String bootstrap,
                         KafkaConfig kafka, Admin admin, Bundle bundle, ServiceMetrics metrics, Route routes,
                         String host, int port) {
        this.system = system;
        this.pool = pool;
        this.bootstrap = bootstrap;
        this.kafka = kafka;
        this.admin = admin;
        this.bundle = bundle;
        this.metrics = metrics;
        this.http = HttpServer.start(system, routes, host, port);
    }

    public static SalveService start(Config config, Progress progress) {
        ServeConfig serve = ServeConfig.from(config);
        KafkaConfig kafka = KafkaConfig.from(config);
        TelemetryConfig observe = TelemetryConfig.from(config);
        EngineCheck.check(serve.engine(), serve.devices());
        Bundle bundle = openBundle(serve, progress);

        EmbeddedKafka broker = kafka.useEmbeddedBroker()
                ? EmbeddedKafka.start(DevBrokerSettings.from(config)) : null;
        String bootstrap = broker != null ? broker.bootstrapServers() : kafka.bootstrapServers();
        LOG.info(broker != null ? "embedded Kafka broker (KRaft) at {}" : "Kafka cluster at {}", bootstrap);
        try {
            Topics.ensure(bootstrap, kafka);
        } catch (RuntimeException e) {
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
        LOG.info("topics: {}", kafka.topics().all());

        ServiceMetrics metrics = new ServiceMetrics();
        TelemetryMetrics telemetryMetrics = new TelemetryMetrics(metrics.registry());
        List<ReplicaPool.ReplicaSpec> specs = new ArrayList<>();
        for (ServeConfig.Slot slot : serve.replicas()) {
            Supplier<BatchModel> models = serve.faults().wrap(() -> new BundleBatchModel(bundle,
                    Device.fromName(slot.device()), observe.telemetry().enabled(), observe.diagnostics().enabled()));
            specs.add(new ReplicaPool.ReplicaSpec(slot.name(), slot.device(),
                    () -> telemetryMetrics.timed(slot.name(), models.get())));
        }
        ActorSystem<Guardian.Command> system = ActorSystem.create(Guardian.create(ReplicaPool.create(specs,
                bundle.metadata().classNames(), ServingHead.unedited(bundle.head()), serve.batching(), metrics::batch)),
                "salve", config);
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        if (broker != null) {
            broker.detachShutdownHook();
            shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "stop-kafka-broker", () -> {
                broker.close();
                return CompletableFuture.completedFuture(Done.getInstance());
            });
        }
        try {
            return start(serve, kafka, bundle, bootstrap, system, metrics, observe, telemetryMetrics);
        } catch (RuntimeException e) {
            shutdown.runAll(CoordinatedShutdown.unknownReason()).toCompletableFuture().join();
            throw e;
        }
    }

    private static SalveService start(ServeConfig serve, KafkaConfig kafka, Bundle bundle, String bootstrap,
                                      ActorSystem<Guardian.Command> system, ServiceMetrics metrics,
                                      TelemetryConfig observe, TelemetryMetrics telemetryMetrics) {
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        ActorRef<ReplicaPool.Command> pool = AskPattern.<Guardian.Command, ActorRef<ReplicaPool.Command>>ask(system,
                Guardian.GetPool::new, ASK_TIMEOUT, system.scheduler()).toCompletableFuture().join();
        LOG.info("replicas {} on {}, batches of up to {} requests; an idle replica waits at most {} ms for one to "
                + "fill", serve.replicas().stream().map(ServeConfig.Slot::name).toList(), serve.devices(),
                serve.batching().maxBatch(),
                serve.batching().maxDelay().toMillis());
        RequestCodec codec = codec(bundle, kafka);
        // A plain future, not an ask: an ask's stage runs every non-async callback asynchronously, and on 2 cores
        // (common pool parallelism 1) that is a new thread per callback, i.e. per request. Callers bound the wait
        // (the stream's request-timeout, the API's infer-timeout).
        InferenceService infer = request -> {
            CompletableFuture<InferenceResult> result = new CompletableFuture<>();
            pool.tell(new ReplicaPool.Submit(request, result));
            return result;
        };
        Route api = bundle.hasSae() ? startEdits(serve, bundle, system, pool, metrics, codec, infer,
                observe.diagnostics().enabled()) : null;

        Admin admin = Admin.create(kafka.clientConfig(bootstrap, Map.of(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000)));
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "close-admin", () -> {
            admin.close(Duration.ofSeconds(5));
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "close-jvm-metrics", () -> {
            metrics.close();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        CompletableFuture<SalveService> self = new CompletableFuture<>();
        HealthRoutes health = new HealthRoutes(() -> self.thenCompose(SalveService::readiness));
        Route routes = health.routes().orElse(new MetricsRoutes(metrics::scrape).routes());
        if (api != null) {
            routes = routes.orElse(api);
        }
        SalveService service = new SalveService(system, pool, bootstrap, kafka, admin, bundle, metrics, routes,
                serve.httpHost(), serve.httpPort());
        self.complete(service);
        LOG.info("HTTP on {}: /health/live, /health/ready, /metrics{}", service.http.localAddress(),
                api != null ? ", the operator API under /v1" : "");

        ObservationWindows windows = ObservationWindows.start(system, bundle, observe, kafka, bootstrap, admin,
                telemetryMetrics);
        // After the requests are drained, so the last windows hold every answered request.
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "publish-last-windows", () -> {
            windows.close();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        service.startRequestStream(shutdown, codec, infer, windows, observe, telemetryMetrics);
        if (serve.demoTrafficRate() > 0) {
            DemoTraffic demo = DemoTraffic.fashionMnist(kafka.clientConfig(bootstrap, Map.of()),
                    kafka.topics().requests(), serve.dataDir() != null ? serve.dataDir() : FashionMnist.defaultDir(), serve.demoTrafficRate());
            shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "stop-demo-traffic", () -> {
                demo.close();
                return CompletableFuture.completedFuture(Done.getInstance());
            });
            LOG.info("demo traffic: {} Fashion-MNIST test images/s into {}", serve.demoTrafficRate(),
                    kafka.topics().requests());
        }
        return service;
    }

    /**
     * Recovers the model's edit registry, puts its edit set into the replicas before the first request is served,
     * keeps them following every later change, and returns the operator API's routes.
     */
    private static Route startEdits(ServeConfig serve, Bundle bundle, ActorSystem<Guardian.Command> system,
                                    ActorRef<ReplicaPool.Command> pool, ServiceMetrics metrics, RequestCodec codec,
                                    InferenceService infer, boolean diagnostics) {
        // Head, SAE, catalog and held-out activations read once (the activations built first when missing), for the
        // registry's validation, the API and every edit version's head.
        Discovery.DataRef data = Discovery.dataOf(bundle, serve.dataDir());
        ServedModel served = OperatorModel.load(bundle, modelName(bundle), data);
        RegistryActorClient edits = EditJournal.startRegistry(system, served.name(), served.head(), served.sae());
        Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
        OperatorApi api = new OperatorApi(served, edits, new GradFamCache(bundle, data, served.catalog()), codec, infer,
                blocking, ApiSettings.from(system.settings().config()));
        // The diagnostics' held-out alpha_flip of every suppression is up to seconds of work: built after the head is
        // served, off the actors, and not at all when the diagnostics are off (nothing would read it).
        float[][] heldOut = served.heldOut().rows();
        UnaryOperator<ServingHead> references = diagnostics ? head -> head.withReferences(heldOut) : null;
        Function<EditState, ServingHead> heads = state -> ServingHead.of(served.head(), served.sae(), state.editSet(),
                state.version());
        EditState recovered = edits.current().toCompletableFuture().join();
        if (recovered.version() > 0) {
            ServingHead unreferenced = heads.apply(recovered);
            ServingHead head = references != null ? references.apply(unreferenced) : unreferenced;
            AskPattern.<ReplicaPool.Command, Long>ask(pool, ack -> new ReplicaPool.SwapHead(head, ack), ASK_TIMEOUT,
                    system.scheduler()).toCompletableFuture().join();
            metrics.editVersion(recovered.version());
        }
        LOG.info("edit registry of {}: version {}, {} active edits", modelName(bundle), recovered.version(),
                recovered.active().size());
        system.systemActorOf(HeadSwapper.create(pool, recovered.version(), edits::subscribe, heads,
                references, blocking, metrics::swapped), "head-swapper", Props.empty());
        return api.routes();
    }

    private static RequestCodec codec(Bundle bundle, KafkaConfig kafka) {
        return new RequestCodec(bundle.inputSpec(), bundle.metadata().classNames().size(), kafka.maxRequestBytes(),
                modelName(bundle));
    }

    private void startRequestStream(CoordinatedShutdown shutdown, RequestCodec codec,
                                    InferenceService infer, ObservationWindows windows,
                                    TelemetryConfig observe, TelemetryMetrics telemetryMetrics) {
        Consumer.DrainingControl<Done> control = RequestStream.start(system, kafka, bootstrap, codec,
                request -> {
                    metrics.accepted();
                    return infer.infer(request).whenComplete((result, failure) -> metrics.left());
                }, result -> {
                    metrics.answered(result);
                    windows.add(result);
                }, new ObservationRecords(observe, kafka.topics(), telemetryMetrics));
        LOG.info("consuming {} -> {} (dead letters to {}), at most {} requests in flight", kafka.topics().requests(),
                kafka.topics().results(), kafka.topics().deadLetter(), kafka.maxInFlight());
        shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "drain-requests",
                () -> control.drainAndShutdown(system.executionContext()));
        control.streamCompletion().whenComplete((done, failure) -> {
            if (failure != null) {
                // At-least-once: nothing is committed past what was answered, so a restart picks up from there.
                LOG.error("the request stream failed; shutting down so a supervisor can restart the service", failure);
                shutdown.runAll(ShutdownFailure.REQUEST_STREAM_FAILED);
            }
        });
    }

    /** The name requests may give in their {@code model} field: the bundle directory's name. */
    public static String modelName(Bundle bundle) {
        return bundle.dir().toAbsolutePath().normalize().getFileName().toString();
    }

    private static Bundle openBundle(ServeConfig serve, Progress progress) {
        if (!Files.isRegularFile(serve.bundle().resolve("bundle.json")) && serve.buildDemoIfMissing()) {
            return DemoBundle.ensure(serve.bundle(), new Discovery.DataRef(DataSources.FASHION_MNIST, serve.dataDir(), 0),
                    new Discovery(Device.cpu(), progress));
        }
        return Bundle.open(serve.bundle());
    }

    /** Ready: broker reachable, topics present, every replica loaded. Asks both at once and blocks no thread. */
    private CompletionStage<HealthRoutes.Readiness> readiness() {
        CompletionStage<ReplicaPool.Status> status = AskPattern.ask(pool, ReplicaPool.GetStatus::new, ASK_TIMEOUT,
                system.scheduler());
        CompletionStage<Map<String, Object>> topics = Topics.missing(admin, kafka, ASK_TIMEOUT).handle(
                (missing, failure) -> failure == null ? Map.of("missingTopics", missing)
                        : Map.of("brokerError", (failure instanceof CompletionException ? failure.getCause()
                                : failure).toString()));
        return status.thenCombine(topics, (s, t) -> {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("broker", bootstrap);
            details.putAll(t);
            details.put("replicas", s.replicas());
            details.put("editVersion", s.editVersion());
            // Not ready on a broker error either: then there is no missingTopics.
            return new HealthRoutes.Readiness(List.of().equals(t.get("missingTopics")) && s.allReady(), details);
        });
    }

    public ActorRef<ReplicaPool.Command> pool() {
        return pool;
    }

    public ActorSystem<Guardian.Command> system() {
        return system;
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    public Bundle bundle() {
        return bundle;
    }

    public ServiceMetrics metrics() {
        return metrics;
    }

    public int httpPort() {
        return http.localAddress().getPort();
    }

    /** Waits until the service has stopped; true when it stopped itself on a {@link ShutdownFailure}. */
    public boolean awaitTermination() {
        system.getWhenTerminated().toCompletableFuture().join();
        return CoordinatedShutdown.get(system).getShutdownReason().filter(ShutdownFailure.class::isInstance)
                .isPresent();
    }

    @Override
    public void close() {
        CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason()).toCompletableFuture().join();
    }
}
