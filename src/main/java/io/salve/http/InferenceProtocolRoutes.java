package io.salve.http;

import io.salve.http.ProtocolBodies.IndexRequest;
import io.salve.http.ProtocolBodies.InferRequest;
import io.salve.http.ProtocolBodies.InferResponse;
import io.salve.http.ProtocolBodies.ModelMetadata;
import io.salve.http.ProtocolBodies.RepositoryModel;
import io.salve.http.ProtocolBodies.RepositoryRequest;
import io.salve.http.ProtocolBodies.RequestOutput;
import io.salve.http.ProtocolBodies.ResponseOutput;
import io.salve.http.ProtocolBodies.ServerMetadata;
import io.salve.http.ProtocolBodies.TensorMetadata;
import io.salve.model.InputSpec;
import io.salve.serve.InferenceRequest;
import io.salve.serve.InferenceResult;
import io.salve.serve.ModelDirectory;
import io.salve.serve.ModelEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The Open Inference Protocol (KServe v2, Triton's HTTP API) under {@code /v2}: health, server and model metadata,
 * model readiness, inference on every served model of the {@link ModelDirectory}, and the model repository
 * extension (index, load, unload). A model has one input, {@code input} {@code [-1, C, H, W]} (FP32 in [0, 1] or
 * UINT8), and two outputs, {@code probabilities} FP32 {@code [-1, K]} and {@code prediction} INT64 {@code [-1]};
 * {@link ProtocolTensors} says what an input tensor may hold.
 *
 * <p>Errors are {@code {"error": "CODE: message", "code": "CODE"}} ({@link ProtocolErrors}). Health needs no token;
 * the repository's load and unload need the operator role, everything else what {@code /v1} reads need. Not
 * supported: the binary tensor extension (a request with {@code Inference-Header-Content-Length} is refused, and
 * outputs always come back as JSON, whatever {@code binary_data} asks), classification and other extensions,
 * load parameters (config or file overrides).
 */
public final class InferenceProtocolRoutes extends AllDirectives {

    static final String INPUT = "input";
    static final String PROBABILITIES = "probabilities";
    static final String PREDICTION = "prediction";
    /** The binary tensor extension's header: its body is JSON followed by raw tensors, which we do not read. */
    static final String BINARY_HEADER = "Inference-Header-Content-Length";
    /** The runtime behind every model: DJL (PyTorch, or ONNX Runtime for imported backbones). */
    private static final String PLATFORM = "salve_djl";
    private static final String SERVER = "salve";
    private static final List<String> EXTENSIONS = List.of("model_repository");

    private final ModelDirectory directory;
    private final BearerAuth auth;
    private final Duration inferTimeout;
    private final RequestBodies bodies;
    private final ProtocolErrors errors;
    private final Supplier<CompletionStage<Boolean>> serverReady;
    private final String serverVersion;
    private final Consumer<InferenceResult> answered;

    /**
     * @param settings      the operator API's settings: its tokens and roles, body limit and infer timeout
     * @param serverReady   whether the service can serve ({@code GET /v2/health/ready})
     * @param serverVersion what {@code GET /v2} reports as the server's version
     */
    public InferenceProtocolRoutes(ModelDirectory directory, ApiSettings settings,
                                   Supplier<CompletionStage<Boolean>> serverReady, String serverVersion) {
        this(directory, new BearerAuth(ApiTokens.of(settings.token(), settings.tokensFile()), settings.protectReads()),
                settings, serverReady, serverVersion, result -> { });
    }

    /**
     * With {@code /v1}'s {@link BearerAuth}, as {@link OperatorApi#inferenceProtocol} makes it.
     *
     * @param answered told the result of every image inferred (metrics, windows)
     */
    InferenceProtocolRoutes(ModelDirectory directory, BearerAuth auth, ApiSettings settings,
                            Supplier<CompletionStage<Boolean>> serverReady, String serverVersion,
                            Consumer<InferenceResult> answered) {
        this.directory = directory;
        this.auth = auth;
        this.inferTimeout = settings.inferTimeout();
        ApiErrors apiErrors = new ApiErrors(settings.maxBodyBytes());
        this.bodies = new RequestBodies(settings.maxBodyBytes(), apiErrors);
        this.errors = new ProtocolErrors(apiErrors);
        this.serverReady = serverReady;
        this.serverVersion = serverVersion;
        this.answered = answered;
    }

    public Route routes() {
        return pathPrefix("v2", () -> handleExceptions(errors.exceptions(), () ->
                handleRejections(ProtocolErrors.rejections(), () -> concat(
                        pathEndOrSingleSlash(() -> get(() -> auth.read(() -> complete(ok(
                                new ServerMetadata(SERVER, serverVersion, EXTENSIONS)))))),
                        pathPrefix("health", this::health),
                        pathPrefix("models", () -> pathPrefix(name -> concat(
                                model(name, Optional.empty()),
                                pathPrefix("versions", () -> pathPrefix(version ->
                                        model(name, Optional.of(version))))))),
                        pathPrefix("repository", this::repository)))));
    }

    /** Probes: no token, and no body (the status is the answer). */
    private Route health() {
        return concat(
                path("live", () -> get(() -> complete(empty(StatusCodes.OK)))),
                path("ready", () -> get(() -> onSuccess(serverReady.get(), ready ->
                        complete(empty(ready ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE))))));
    }

    private Route repository() {
        return concat(
                path("index", () -> post(() -> auth.read(() -> bodies.bytes(bytes -> complete(ok(index(bytes))))))),
                pathPrefix("models", () -> pathPrefix(name -> concat(
                        path("load", () -> post(() -> auth.change(() -> bodies.bytes(bytes ->
                                completeWithFuture(load(name, bytes)))))),
                        path("unload", () -> post(() -> auth.change(() -> bodies.bytes(bytes ->
                                completeWithFuture(unload(name, bytes))))))))));
    }

    /** Metadata, readiness and inference of one model, any version or the one named. */
    private Route model(String name, Optional<String> version) {
        return concat(
                pathEnd(() -> get(() -> auth.read(() -> complete(ok(metadata(endpoint(name, version))))))),
                path("ready", () -> get(() -> auth.read(() -> complete(empty(endpoint(name, version).ready()
                        ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE))))),
                path("infer", () -> post(() -> auth.read(() -> optionalHeaderValueByName(BINARY_HEADER, binary -> {
                    if (binary.isPresent()) {
                        throw ProtocolErrors.refusal("BINARY_UNSUPPORTED", "the binary tensor extension ("
                                + BINARY_HEADER + ") is not supported: send the tensors as JSON \"data\"");
                    }
                    ModelEndpoint endpoint = endpoint(name, version);
                    return bodies.bytes(bytes -> completeWithFuture(infer(endpoint, bytes)));
                })))));
    }

    /** The model served under that name, of that version if one is named; 404 otherwise. */
    private ModelEndpoint endpoint(String name, Optional<String> version) {
        ModelEndpoint endpoint = directory.find(name).orElseThrow(() -> ProtocolErrors.refusal("UNKNOWN_MODEL",
                "no model \"" + name + "\" is served (these are: " + names() + ")"));
        if (version.isPresent() && !version.get().equals(endpoint.version())) {
            throw ProtocolErrors.refusal("UNKNOWN_VERSION", "model \"" + name + "\" is served at version "
                    + endpoint.version() + ", not " + version.get());
        }
        return endpoint;
    }

    private List<String> names() {
        return directory.models().stream().map(ModelEndpoint::name).toList();
    }

    private static ModelMetadata metadata(ModelEndpoint endpoint) {
        InputSpec in = endpoint.input();
        return new ModelMetadata(endpoint.name(), List.of(endpoint.version()), PLATFORM,
                List.of(new TensorMetadata(INPUT, "FP32", List.of(-1, in.channels(), in.height(), in.width()))),
                List.of(new TensorMetadata(PROBABILITIES, "FP32", List.of(-1, endpoint.classNames().size())),
                        new TensorMetadata(PREDICTION, "INT64", List.of(-1))));
    }

    /** Each image is a request of its own to the model; the answer waits for all of them, within the timeout. */
    private CompletionStage<HttpResponse> infer(ModelEndpoint endpoint, byte[] bytes) {
        InferRequest request = ProtocolBodies.parse(bytes, InferRequest.class);
        if (request.inputs() == null || request.inputs().size() != 1) {
            throw ProtocolErrors.refusal("BAD_INPUT", "\"inputs\" must hold exactly one tensor, \"" + INPUT
                    + "\" [N, C, H, W]; it holds " + (request.inputs() == null ? "none" : request.inputs().size()));
        }
        List<String> outputs = requestedOutputs(request.outputs());
        float[][] images = ProtocolTensors.images(request.inputs().get(0), endpoint.input());
        if (!endpoint.ready()) {
            throw ProtocolErrors.refusal("MODEL_NOT_READY", "model \"" + endpoint.name() + "\" is not ready (its "
                    + "replicas are loading, or it is being unloaded)");
        }
        String id = request.id() != null ? request.id() : UUID.randomUUID().toString();
        long received = System.nanoTime();
        List<CompletableFuture<InferenceResult>> answers = new ArrayList<>(images.length);
        for (int i = 0; i < images.length; i++) {
            answers.add(endpoint.infer(new InferenceRequest(id + "#" + i, endpoint.name(), images[i], null, received))
                    .toCompletableFuture().whenComplete((result, failure) -> {
                        if (result != null) {
                            answered.accept(result);
                        }
                    }));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .orTimeout(inferTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((done, failure) -> {
                    if (failure != null) {
                        return ApiErrors.unwrap(failure) instanceof TimeoutException
                                ? ProtocolErrors.response(StatusCodes.GATEWAY_TIMEOUT, "TIMEOUT", "no answer within "
                                + inferTimeout.toMillis() + " ms")
                                : ProtocolErrors.failure(failure, "INFERENCE_FAILED");
                    }
                    List<InferenceResult> results = answers.stream().map(CompletableFuture::join).toList();
                    return results.stream().filter(InferenceResult::failed).findFirst()
                            .map(InferenceProtocolRoutes::refused)
                            .orElseGet(() -> ok(new InferResponse(endpoint.name(), endpoint.version(), request.id(),
                                    outputs(results, endpoint.classNames().size(), outputs))));
                });
    }

    /** The names asked for (all when none are), each one the model has. */
    private static List<String> requestedOutputs(List<RequestOutput> requested) {
        if (requested == null || requested.isEmpty()) {
            return List.of(PROBABILITIES, PREDICTION);
        }
        List<String> names = requested.stream().map(RequestOutput::name).toList();
        for (String name : names) {
            if (!PROBABILITIES.equals(name) && !PREDICTION.equals(name)) {
                throw ProtocolErrors.refusal("UNKNOWN_OUTPUT", "the model has no output \"" + name + "\"; its "
                        + "outputs are \"" + PROBABILITIES + "\" and \"" + PREDICTION + "\"");
            }
        }
        return names;
    }

    private static List<ResponseOutput> outputs(List<InferenceResult> results, int classes, List<String> wanted) {
        List<ResponseOutput> outputs = new ArrayList<>();
        if (wanted.contains(PROBABILITIES)) {
            outputs.add(new ResponseOutput(PROBABILITIES, "FP32", List.of(results.size(), classes),
                    results.stream().flatMap(r -> r.probabilities().stream()).toList()));
        }
        if (wanted.contains(PREDICTION)) {
            outputs.add(new ResponseOutput(PREDICTION, "INT64", List.of(results.size()),
                    results.stream().map(r -> (long) r.prediction()).toList()));
        }
        return outputs;
    }

    /** A failed image fails the request. Routed to a model that has since gone: it is (being) unloaded, 503. */
    private static HttpResponse refused(InferenceResult result) {
        String code = result.error().code();
        StatusCode status = code.equals("UNKNOWN_MODEL") || code.equals("MODEL_UNLOADING")
                ? StatusCodes.SERVICE_UNAVAILABLE : ProtocolErrors.status(code);
        return ProtocolErrors.response(status, code, result.error().message());
    }

    private List<RepositoryModel> index(byte[] bytes) {
        boolean onlyReady = Boolean.TRUE.equals(ProtocolBodies.parseOptional(bytes, IndexRequest.class,
                new IndexRequest(null)).ready());
        return directory.models().stream()
                .filter(m -> !onlyReady || m.ready())
                .sorted(Comparator.comparing(ModelEndpoint::name))
                .map(m -> m.ready()
                        ? new RepositoryModel(m.name(), m.version(), "READY", null)
                        : new RepositoryModel(m.name(), m.version(), "UNAVAILABLE", "its replicas are loading, or it "
                                + "is being unloaded"))
                .toList();
    }

    /** Loads (or reloads) the repository's bundle of that name; answers when it serves. */
    private CompletionStage<HttpResponse> load(String name, byte[] bytes) {
        Map<String, Object> parameters = repositoryParameters(bytes);
        if (!parameters.isEmpty()) {
            throw ProtocolErrors.refusal("BAD_PARAMETER", "load takes no parameters (no config or file overrides: "
                    + "the bundle in the repository is what is loaded), got " + parameters.keySet());
        }
        return answered(directory.load(name, null), "LOAD_FAILED");
    }

    /** Stops serving the model; {@code unload_dependents} is accepted and means nothing (no model has any). */
    private CompletionStage<HttpResponse> unload(String name, byte[] bytes) {
        Map<String, Object> parameters = repositoryParameters(bytes);
        if (!parameters.keySet().stream().allMatch("unload_dependents"::equals)) {
            throw ProtocolErrors.refusal("BAD_PARAMETER", "unload takes no parameter but \"unload_dependents\", got "
                    + parameters.keySet());
        }
        return answered(directory.unload(name), "UNLOAD_FAILED");
    }

    private static Map<String, Object> repositoryParameters(byte[] bytes) {
        Map<String, Object> parameters = ProtocolBodies.parseOptional(bytes, RepositoryRequest.class,
                new RepositoryRequest(null)).parameters();
        return parameters == null ? Map.of() : parameters;
    }

    /** 200 with an empty body, as the repository extension answers, or the failure. */
    private static CompletionStage<HttpResponse> answered(CompletionStage<?> done, String failedCode) {
        return done.handle((ok, failure) -> failure == null ? empty(StatusCodes.OK)
                : ProtocolErrors.failure(failure, failedCode));
    }

    private static HttpResponse ok(Object body) {
        return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.bytes(body)));
    }

    /** Health and readiness answer with the status alone, as the protocol says. */
    private static HttpResponse empty(StatusCode status) {
        return HttpResponse.create().withStatus(status);
    }
}
