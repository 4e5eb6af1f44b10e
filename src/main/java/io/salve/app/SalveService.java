package io.salve.app;

import io.salve.core.Progress;
import io.salve.data.DataSources;
import io.salve.data.FashionMnist;
import io.salve.devbroker.EmbeddedKafka;
import io.salve.http.ApiSettings;
import io.salve.http.HealthRoutes;
import io.salve.http.HttpServer;
import io.salve.http.MetricsRoutes;
import io.salve.http.ModelView;
import io.salve.http.OperatorApi;
import io.salve.kafka.ConsumerLag;
import io.salve.kafka.DemoTraffic;
import io.salve.kafka.KafkaConfig;
import io.salve.kafka.ObservationRecords;
import io.salve.kafka.RequestStream;
import io.salve.kafka.Topics;
import io.salve.kafka.WindowPublisher;
import io.salve.model.Bundle;
import io.salve.model.EngineCheck;
import io.salve.pipeline.DemoBundle;
import io.salve.pipeline.Discovery;
import io.salve.serve.Guardian;
import io.salve.serve.InferenceResult;
import io.salve.serve.ModelDirectory;
import io.salve.serve.ModelEndpoint;
import io.salve.serve.ReplicaPool;
import io.salve.serve.ServeConfig;
import io.salve.serve.ShutdownFailure;
import io.salve.telemetry.ServiceMetrics;
import io.salve.telemetry.TelemetryConfig;
import io.salve.telemetry.TelemetryMetrics;
import io.salve.wire.RequestRouter;
import ai.djl.Device;
import com.typesafe.config.Config;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.kafka.javadsl.Consumer.DrainingControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: broker (embedded or external), topics, the actor system with each model's replicas (the
 * {@link ModelRepository}), the Kafka request stream, the HTTP endpoints and optional demo traffic.
 *
 * <p>Shutdown (SIGTERM, or {@link #close()}) runs Pekko's coordinated shutdown in the order that loses nothing: stop
 * the demo traffic and polling, drain the requests in flight (results produced and acknowledged, offsets committed),
 * unbind HTTP, stop the actors, and last stop the embedded broker.
 */
public final class SalveService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SalveService.class);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration LAG_INTERVAL = Duration.ofSeconds(5);
    /** The server version {@code GET /v2} reports (the build's). */
    private static final String VERSION = Objects.requireNonNullElse(
            SalveService.class.getPackage().getImplementationVersion(), "dev");

    private final ActorSystem<Guardian.Command> system;
    private final ModelRepository models;
    private final String bootstrap;
    private final KafkaConfig kafka;
    private final Admin admin;
    private final ServiceMetrics metrics;
    private final ServerBinding http;

    private SalveService(ActorSystem<Guardian.Command> system, ModelRepository models, String bootstrap,
                         KafkaConfig kafka, Admin admin, ServiceMetrics metrics, Route routes, String host, int port) {
        this.system = system;
        this.models = models;
        this.bootstrap = bootstrap;
        this.kafka = kafka;
        this.admin = admin;
        this.metrics = metrics;
        this.http = HttpServer.start(system, routes, host, port);
    }

    public static SalveService start(Config config, Progress progress) {
        ServeConfig serve = ServeConfig.from(config);
        KafkaConfig kafka = KafkaConfig.from(config);
        TelemetryConfig observe = TelemetryConfig.from(config);
        EngineCheck.check(serve.engine(), serve.devices());
        Bundle bundle = openBundle(serve, progress);
        // Before the broker starts: a repository directory that does not exist stops the start at once.
        ModelRepository models = ModelRepository.create(serve.models(), modelName(bundle));

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

        ActorSystem<Guardian.Command> system = ActorSystem.create(Guardian.create(), "salve", config);
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        if (broker != null) {
            broker.detachShutdownHook();
            shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "stop-kafka-broker", () -> {
                broker.close();
                return CompletableFuture.completedFuture(Done.getInstance());
            });
        }
        try {
            return start(serve, kafka, bundle, models, bootstrap, system, observe);
        } catch (RuntimeException e) {
            shutdown.runAll(CoordinatedShutdown.unknownReason()).toCompletableFuture().join();
            throw e;
        }
    }

    private static SalveService start(ServeConfig serve, KafkaConfig kafka, Bundle bundle, ModelRepository models,
                                      String bootstrap, ActorSystem<Guardian.Command> system,
                                      TelemetryConfig observe) {
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        ServiceMetrics metrics = new ServiceMetrics();
        TelemetryMetrics telemetryMetrics = new TelemetryMetrics(metrics.registry());
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "close-jvm-metrics", () -> {
            metrics.close();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
        RequestRouter requests = new RequestRouter(models::codec, kafka.maxRequestBytes());
        // Every answer, over Kafka or HTTP, counts in its model's metrics and windows.
        Consumer<InferenceResult> answered = result -> {
            metrics.answered(result);
            if (result.model() != null) {
                models.host(result.model()).ifPresent(host -> host.answered(result));
            }
        };
        OperatorApi api = new OperatorApi(models, models, requests, blocking,
                ApiSettings.from(system.settings().config()), answered);
        // After the requests are drained: the models' last windows then hold every answered request.
        KafkaProducer<String, byte[]> windowRecords = observe.telemetry().enabled() || observe.diagnostics().enabled()
                ? WindowPublisher.producer(bootstrap, kafka) : null;
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "stop-models", () ->
                models.stopAll().thenApply(v -> {
                    if (windowRecords != null) {
                        windowRecords.close(Duration.ofSeconds(10));
                    }
                    return Done.getInstance();
                }));
        models.start(new ServiceWiring(system, serve, observe, kafka, windowRecords, metrics, telemetryMetrics,
                blocking, api), bundle);
        LOG.info("models {} (default {}), each with replicas {} on {}, batches of up to {} requests; an idle replica "
                + "waits at most {} ms for one to fill", models.models().stream().map(ModelEndpoint::name).toList(),
                models.defaultModel(), serve.replicas().stream().map(ServeConfig.Slot::name).toList(),
                serve.devices(), serve.batching().maxBatch(), serve.batching().maxDelay().toMillis());

        Admin admin = Admin.create(kafka.clientConfig(bootstrap, Map.of(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000)));
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "close-admin", () -> {
            admin.close(Duration.ofSeconds(5));
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        Cancellable lag = system.scheduler().scheduleAtFixedRate(LAG_INTERVAL, LAG_INTERVAL, () ->
                ConsumerLag.of(admin, kafka.groupId(), kafka.topics().requests())
                        .thenAccept(telemetryMetrics::consumerLag), system.executionContext());
        shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "stop-lag-poll", () -> {
            lag.cancel();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        CompletableFuture<SalveService> self = new CompletableFuture<>();
        HealthRoutes health = new HealthRoutes(() -> self.thenCompose(SalveService::readiness));
        Route routes = health.routes().orElse(new MetricsRoutes(metrics::scrape).routes()).orElse(api.routes())
                .orElse(api.inferenceProtocol(() -> self.thenCompose(SalveService::readiness)
                        .thenApply(HealthRoutes.Readiness::ready), VERSION));
        SalveService service = new SalveService(system, models, bootstrap, kafka, admin, metrics, routes,
                serve.httpHost(), serve.httpPort());
        self.complete(service);
        LOG.info("HTTP on {}: /health/live, /health/ready, /metrics, the operator API under /v1, the Open Inference "
                + "Protocol under /v2",
                service.http.localAddress());

        service.startRequestStream(shutdown, requests, answered, observe, telemetryMetrics);
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

    private void startRequestStream(CoordinatedShutdown shutdown, RequestRouter requests,
                                    Consumer<InferenceResult> answered, TelemetryConfig observe,
                                    TelemetryMetrics telemetryMetrics) {
        DrainingControl<Done> control = RequestStream.start(system, kafka, bootstrap, requests,
                models::infer, answered, new ObservationRecords(observe, kafka.topics(), telemetryMetrics));
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

    /**
     * Ready: broker reachable, topics present, every replica of every model loaded. Asks all at once and blocks no
     * thread.
     */
    private CompletionStage<HealthRoutes.Readiness> readiness() {
        CompletableFuture<List<ModelView>> described = models.describe().toCompletableFuture();
        CompletionStage<Map<String, Object>> topics = Topics.missing(admin, kafka, ASK_TIMEOUT).handle(
                (missing, failure) -> failure == null ? Map.of("missingTopics", missing)
                        : Map.of("brokerError", (failure instanceof CompletionException ? failure.getCause()
                                : failure).toString()));
        return described.thenCombine(topics, (views, t) -> {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("broker", bootstrap);
            details.putAll(t);
            boolean replicasReady = true;
            Map<String, Object> perModel = new LinkedHashMap<>();
            for (ModelView v : views) {
                perModel.put(v.name(), Map.of("version", v.version(), "replicas", v.replicas(),
                        "editVersion", v.editVersion() == null ? 0 : v.editVersion()));
                replicasReady &= !v.replicas().isEmpty() && v.replicas().stream().allMatch(ModelView.Replica::ready);
            }
            details.put("models", perModel);
            // Not ready on a broker error either: then there is no missingTopics.
            return new HealthRoutes.Readiness(List.of().equals(t.get("missingTopics")) && replicasReady
                    && !views.isEmpty(), details);
        });
    }

    /** The served models. */
    public ModelDirectory models() {
        return models;
    }

    /** The default model's replica pool. */
    public ActorRef<ReplicaPool.Command> pool() {
        return defaultHost().pool();
    }

    public ActorSystem<Guardian.Command> system() {
        return system;
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    /** The default model's bundle. */
    public Bundle bundle() {
        return defaultHost().bundle();
    }

    private ModelHost defaultHost() {
        return models.host(models.defaultModel()).orElseThrow(() -> new IllegalStateException(
                "the default model " + models.defaultModel() + " is not being served"));
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
