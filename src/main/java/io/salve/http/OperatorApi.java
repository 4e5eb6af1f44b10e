package io.salve.http;

import ai.djl.Device;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.salve.core.FeatureCatalog;
import io.salve.core.Head;
import io.salve.core.Progress;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import io.salve.core.diagnose.EditPreview;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.edits.ActiveEdit;
import io.salve.edits.EditRegistryClient;
import io.salve.edits.EditProposal;
import io.salve.edits.EditState;
import io.salve.edits.HistoryEntry;
import io.salve.model.Activations;
import io.salve.model.Bundle;
import io.salve.pipeline.Discovery;
import io.salve.pipeline.Validation;
import io.salve.serve.InferenceRequest;
import io.salve.serve.InferenceResult;
import io.salve.serve.InferenceService;
import io.salve.wire.RequestCodec;
import io.salve.wire.ResultCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.scaladsl.model.IllegalRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator HTTP API under {@code /v1} for one served model: its feature catalog and Grad-FAM maps, its edit
 * registry (apply, revert, set, history, preview) and synchronous inference. {@code openapi/operator-api.json} (served
 * at {@code /v1/openapi.json}) documents every route and the error codes.
 *
 * <p>Every error is {@code {"error": {"code", "message"}}} with a stable code, Pekko's own rejections included.
 * Mutations (POST, PUT, DELETE on {@code /v1/edits...}) need {@code Authorization: Bearer <salve.api.token>};
 * {@code /v1/edits/preview} and {@code /v1/infer} change nothing and count as reads, which are open unless
 * {@code salve.api.protect-reads} is on. Without a configured token every mutation is refused: a missing secret must
 * not mean an open door, and a generated one would have to be fished out of the logs.
 */
public final class OperatorApi extends AllDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorApi.class);
    /** How long a request body may take to arrive. */
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);
    /** Grad-FAM images per feature map (fewer if the catalog ranks fewer). */
    private static final int GRADFAM_IMAGES = 8;
    /** Top samples kept per feature when the catalog has to be rebuilt (as the demo bundle's). */
    private static final int CATALOG_TOP = 16;
    /** Edit ids share the /v1/edits/ namespace with these two sub-resources. */
    private static final Pattern EDIT_ID = Pattern.compile("(?!(?:history|preview)$)([^/]+)");

    /**
     * HTTP status of each error code. Unlisted codes are 500. UNKNOWN_FEATURE is 400 in an edit body but 404 as a
     * path segment ({@code /v1/features/{index}}), which the feature routes answer themselves.
     */
    static final Map<String, StatusCode> STATUS = Map.ofEntries(
            Map.entry("BAD_JSON", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_REQUEST", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_METHOD", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_DIRECTION", StatusCodes.BAD_REQUEST),
            Map.entry("BAD_ALPHA", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_CLASS", StatusCodes.BAD_REQUEST),
            Map.entry("UNKNOWN_FEATURE", StatusCodes.BAD_REQUEST),
            Map.entry("DEAD_FEATURE", StatusCodes.BAD_REQUEST),
            Map.entry("UNAUTHORIZED", StatusCodes.UNAUTHORIZED),
            Map.entry("NOT_FOUND", StatusCodes.NOT_FOUND),
            Map.entry("UNKNOWN_MODEL", StatusCodes.NOT_FOUND),
            Map.entry("UNKNOWN_EDIT", StatusCodes.NOT_FOUND),
            Map.entry("METHOD_NOT_ALLOWED", StatusCodes.METHOD_NOT_ALLOWED),
            Map.entry("VERSION_CONFLICT", StatusCodes.CONFLICT),
            Map.entry("TOO_LARGE", StatusCodes.PAYLOAD_TOO_LARGE),
            Map.entry("TIMEOUT", StatusCodes.GATEWAY_TIMEOUT));

    private static final ObjectMapper JSON = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    /**
     * The {@code salve.api} block.
     *
     * @param maxAlpha {@code salve.edits.max-alpha}: previews take the limit the registry applies
     */
    public record Settings(String token, boolean protectReads, long maxBodyBytes, Duration inferTimeout,
                           double maxAlpha) {

        public Settings {
            token = token == null ? "" : token;
        }

        public static Settings from(Config root) {
            Config c = root.getConfig("salve.api");
            return new Settings(c.getString("token"), c.getBoolean("protect-reads"), c.getBytes("max-body-bytes"),
                    c.getDuration("infer-timeout"), root.getDouble("salve.edits.max-alpha"));
        }
    }

    // ---- request and response bodies ----------------------------------------------------------------------------

    /** One edit as operators write it (POST /v1/edits, /v1/edits/preview, and each of PUT /v1/edits' edits). */
    public record EditBody(Integer feature, String method, String direction, Double alpha, List<Integer> rows,
                           String author, String reason) {

        Edit edit() {
            if (feature == null || method == null || direction == null || alpha == null) {
                throw new ApiException("BAD_REQUEST", "an edit needs \"feature\", \"method\", \"direction\" and "
                        + "\"alpha\" (\"rows\", \"author\", \"reason\" are optional)");
            }
            if (rows != null && rows.contains(null)) {
                throw new ApiException("BAD_REQUEST", "\"rows\" must be class indices");
            }
            return new Edit(feature, EditMethod.parse(method), Direction.parse(direction), alpha,
                    rows == null ? List.of() : rows);
        }
    }

    /** PUT /v1/edits: replace the active edits with these, under a name. */
    public record SetBody(String name, List<EditBody> edits, String author, String reason) {
    }

    public record EditView(String id, int feature, String method, String direction, double alpha, List<Integer> rows,
                           String author, String reason, String appliedAt, long version) {

        static EditView of(ActiveEdit a) {
            Edit e = a.edit();
            return new EditView(a.id(), e.feature(), e.method().id(), e.direction().id(), e.alpha(), e.rows(),
                    a.author(), a.reason(), a.appliedAt().toString(), a.version());
        }
    }

    public record StateView(String model, long version, String setName, List<EditView> active) {
    }

    /** 201 of POST /v1/edits: the new edit's id, the version it produced, and the whole state. */
    public record Applied(String id, long version, StateView state) {
    }

    public record HistoryView(String model, List<HistoryEntryView> entries) {
    }

    public record HistoryEntryView(long version, String kind, String at, String author, String reason,
                                   List<EditView> applied, List<String> reverted) {
    }

    /** GET /v1/features/{index}: the catalog's entry, the class means of the feature, and where its map is. */
    public record FeatureView(String model, FeatureCatalog.FeatureEntry feature, List<ClassMean> classMeans,
                              List<Integer> crossClassFor, String gradFam) {
    }

    public record ClassMean(int index, String name, double mean) {
    }

    /**
     * POST /v1/edits/preview.
     *
     * @param baseVersion the registry version whose active edits the preview goes on top of
     */
    public record PreviewView(String model, long baseVersion, EditBody edit, String split, int samples,
                              Double accuracyBefore, Double accuracyAfter, List<ClassPreview> classes) {
    }

    /** One class in a preview; accuracies are null for a class without held-out samples. */
    public record ClassPreview(int index, String name, int samples, Double accuracyBefore, Double accuracyAfter,
                               int flipped, int changed) {
    }

    record ErrorBody(InferenceResult.Error error) {
    }

    /** A refusal with a code of the {@link #STATUS} table, or an explicit status. */
    static final class ApiException extends RuntimeException {
        final String code;
        final StatusCode status;

        ApiException(String code, String message) {
            this(STATUS.getOrDefault(code, StatusCodes.INTERNAL_SERVER_ERROR), code, message);
        }

        ApiException(StatusCode status, String code, String message) {
            super(message, null, false, false);
            this.code = code;
            this.status = status;
        }
    }

    // ---- state --------------------------------------------------------------------------------------------------

    private final Bundle bundle;
    private final String model;
    private final EditRegistryClient edits;
    private final RequestCodec codec;
    private final InferenceService infer;
    private final Discovery.DataRef data;
    private final Executor blocking;
    private final Settings settings;
    private final byte[] token;
    private final Head head;
    private final Sae sae;
    private final Activations test;
    /** GET /v1/features: catalog.json (whose features carry their test-split firing rates) and the model name. */
    private final ObjectNode featuresJson;
    private final FeatureCatalog catalog;
    private final byte[] openApi;
    /** Grad-FAM needs PyTorch's one gradient collector per process: one map at a time, on a thread of its own. */
    private final ExecutorService gradFamThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "salve-gradfam");
        t.setDaemon(true);
        return t;
    });
    private final Map<Integer, CompletableFuture<Path>> gradFams = new ConcurrentHashMap<>();

    /**
     * @param model    the served model's name ({@code SalveService.modelName(bundle)}), matched against {@code ?model=}
     * @param edits    the model's edit registry
     * @param codec    decodes /v1/infer bodies exactly as Kafka requests
     * @param infer    answers one decoded request (the replica pool)
     * @param data     the bundle's data set: test images for Grad-FAM, test activations if not cached yet
     * @param blocking runs previews (CPU work of up to a second) off Pekko's dispatcher
     */
    public OperatorApi(Bundle bundle, String model, EditRegistryClient edits, RequestCodec codec,
                       InferenceService infer, Discovery.DataRef data,
                       Executor blocking, Settings settings) {
        this.bundle = bundle;
        this.model = model;
        this.edits = edits;
        this.codec = codec;
        this.infer = infer;
        this.data = data;
        this.blocking = blocking;
        this.settings = settings;
        this.token = settings.token().getBytes(StandardCharsets.UTF_8);
        this.head = bundle.head();
        this.sae = bundle.sae();
        Discovery discovery = new Discovery(Device.cpu(), Progress.NONE);
        this.test = discovery.activations(bundle, data, "test");
        if (!isFresh(bundle.file("catalog.json"))) {
            LOG.info("the feature catalog of {} is missing or older than its SAE: rebuilding it", bundle.dir());
            discovery.catalogFeatures(bundle, data, CATALOG_TOP);
        }
        ObjectNode catalogJson = bundle.readJson("catalog.json", ObjectNode.class);
        this.featuresJson = JSON.createObjectNode().put("model", model);
        featuresJson.setAll(catalogJson);
        try {
            this.catalog = JSON.copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .treeToValue(catalogJson, FeatureCatalog.class);
        } catch (JsonProcessingException e) {
            throw new SalveException("BUNDLE_CORRUPT", "cannot read " + bundle.file("catalog.json") + ": "
                    + e.getOriginalMessage(), e);
        }
        this.openApi = resource("/openapi/operator-api.json");
        if (token.length == 0) {
            LOG.warn("salve.api.token is not set: the operator API refuses every edit (401) until it is; set "
                    + "SALVE_API_TOKEN or salve.api.token");
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = OperatorApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- routes -------------------------------------------------------------------------------------------------

    public Route routes() {
        return pathPrefix("v1", () -> handleExceptions(exceptions(), () -> handleRejections(rejections(), () ->
                parameterOptional("model", named -> named.isPresent() && !named.get().equals(model)
                        ? complete(error(StatusCodes.NOT_FOUND, "UNKNOWN_MODEL", "this service serves model \""
                                + model + "\", not \"" + named.get() + "\""))
                        : concat(
                                path("openapi.json", () -> get(() -> read(() -> complete(
                                        HttpEntities.create(ContentTypes.APPLICATION_JSON, openApi))))),
                                pathPrefix("features", this::featureRoutes),
                                pathPrefix("edits", this::editRoutes),
                                path("infer", () -> post(() -> read(() -> body(this::infer)))))))));
    }

    private Route featureRoutes() {
        return concat(
                pathEnd(() -> get(() -> read(() -> respond(this::features)))),
                pathPrefix(PathMatchers.segment(), index -> concat(
                        pathEnd(() -> get(() -> read(() -> respond(() -> feature(index))))),
                        path("gradfam.png", () -> get(() -> read(() -> respond(() -> gradFam(index))))))));
    }

    private Route editRoutes() {
        return concat(
                pathEnd(() -> concat(
                        get(() -> read(() -> respond(this::state))),
                        post(() -> mutate(expected -> body(bytes -> apply(bytes, expected)))),
                        put(() -> mutate(expected -> body(bytes -> set(bytes, expected)))),
                        delete(() -> mutate(expected -> why((author, reason) ->
                                revertAll(author, reason, expected)))))),
                path("history", () -> get(() -> read(() -> respond(this::history)))),
                path("preview", () -> post(() -> read(() -> body(this::preview)))),
                path(PathMatchers.segment(EDIT_ID), id -> delete(() -> mutate(expected -> why((author, reason) ->
                        revert(id, author, reason, expected))))));
    }

    /** A change without a body: who and why come as {@code ?author=...&reason=...}. */
    private Route why(BiFunction<String, String, CompletionStage<HttpResponse>> change) {
        return parameterOptional("author", author -> parameterOptional("reason", reason ->
                respond(() -> change.apply(author.orElse(""), reason.orElse("")))));
    }

    /** A route answered by a response computed per request. */
    private Route respond(Supplier<CompletionStage<HttpResponse>> response) {
        return extractRequestContext(ctx -> completeWithFuture(response.get()));
    }

    /** The request body, at most {@code max-body-bytes} (413 TOO_LARGE beyond), handed over as bytes. */
    private Route body(Function<byte[], CompletionStage<HttpResponse>> handler) {
        return extractRequestEntity(entity -> {
            // A declared length is checked before reading anything; a streamed body fails while it is read.
            if (entity.getContentLengthOption().orElse(0) > settings.maxBodyBytes()) {
                return complete(tooLarge());
            }
            return extractStrictEntity(BODY_TIMEOUT, settings.maxBodyBytes(), strict ->
                    respond(() -> handler.apply(strict.getData().toArray())));
        });
    }

    private HttpResponse tooLarge() {
        return error(StatusCodes.PAYLOAD_TOO_LARGE, "TOO_LARGE", "the body is larger than "
                + settings.maxBodyBytes() + " bytes (salve.api.max-body-bytes)");
    }

    private Route read(Supplier<Route> inner) {
        return settings.protectReads() ? authorized(inner) : inner.get();
    }

    /** Authorised, with the {@code If-Match} version the change expects (empty when not given or {@code *}). */
    private Route mutate(Function<OptionalLong, Route> inner) {
        return authorized(() -> optionalHeaderValueByName("If-Match", ifMatch ->
                inner.apply(expectedVersion(ifMatch))));
    }

    private Route authorized(Supplier<Route> inner) {
        return extractRequest(request -> optionalHeaderValueByName("Authorization", header -> {
            String refusal = refusal(header);
            if (refusal == null) {
                return inner.get();
            }
            // Never log the presented credential, only why it was refused.
            LOG.warn("refused {} {}: {}", request.method().value(), request.getUri().path(), refusal);
            return complete(error(StatusCodes.UNAUTHORIZED, "UNAUTHORIZED", refusal)
                    .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"salve\"")));
        }));
    }

    /** Why the request is not authorised, or null when it is. */
    private String refusal(Optional<String> header) {
        if (token.length == 0) {
            return "no API token is configured, so what needs one is refused: set salve.api.token (or the "
                    + "SALVE_API_TOKEN environment variable) and send it as \"Authorization: Bearer <token>\"";
        }
        if (header.isEmpty()) {
            return "missing \"Authorization: Bearer <token>\"";
        }
        String value = header.get().strip();
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return "the Authorization header is not a Bearer token";
        }
        // Constant time, so the comparison does not leak how much of a guess was right.
        return MessageDigest.isEqual(token, value.substring(7).strip().getBytes(StandardCharsets.UTF_8)) ? null
                : "wrong API token";
    }

    /** {@code If-Match: 7} or {@code "7"} (an entity tag as GET /v1/edits returns it); {@code *} is no condition. */
    private static OptionalLong expectedVersion(Optional<String> ifMatch) {
        if (ifMatch.isEmpty() || ifMatch.get().strip().equals("*")) {
            return OptionalLong.empty();
        }
        String tag = ifMatch.get().strip();
        if (tag.startsWith("W/")) {
            tag = tag.substring(2);
        }
        if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
            tag = tag.substring(1, tag.length() - 1);
        }
        try {
            return OptionalLong.of(Long.parseLong(tag));
        } catch (NumberFormatException e) {
            throw new ApiException("BAD_REQUEST", "If-Match must be an edit version as GET /v1/edits returns it in "
                    + "its ETag, e.g. \"7\"; got " + ifMatch.get());
        }
    }

    // ---- handlers -----------------------------------------------------------------------------------------------

    private CompletionStage<HttpResponse> features() {
        return done(json(StatusCodes.OK, featuresJson));
    }

    private CompletionStage<HttpResponse> feature(String index) {
        int l = featureIndex(index);
        List<String> names = bundle.metadata().classNames();
        List<ClassMean> means = IntStream.range(0, names.size())
                .mapToObj(k -> new ClassMean(k, names.get(k), catalog.classMeans()[k][l])).toList();
        List<Integer> cross = catalog.crossClassFeatures().stream().filter(c -> c.feature() == l).findFirst()
                .map(FeatureCatalog.CrossClassFeature::classes).orElse(List.of());
        return done(json(StatusCodes.OK, new FeatureView(model, catalog.features().get(l), means, cross,
                "/v1/features/" + l + "/gradfam.png")));
    }

    /** A feature index in the path: anything but one of the SAE's features is 404 UNKNOWN_FEATURE. */
    private int featureIndex(String segment) {
        int l;
        try {
            l = Integer.parseInt(segment);
        } catch (NumberFormatException e) {
            l = -1;
        }
        if (l < 0 || l >= catalog.features().size()) {
            throw new ApiException(StatusCodes.NOT_FOUND, "UNKNOWN_FEATURE", "unknown feature " + segment
                    + ": this model has features 0.." + (catalog.features().size() - 1));
        }
        return l;
    }

    /**
     * The feature's Grad-FAM grid. Computed once (a backbone forward and backward over its top test images: seconds,
     * and one at a time per process) and kept as the bundle's {@code gradfam/feature-<l>.png}, the file
     * {@code salve gradfam} writes: it depends only on the bundle, so it stays valid across restarts until the SAE or
     * catalog changes.
     */
    private CompletionStage<HttpResponse> gradFam(String index) {
        int l = featureIndex(index);
        CompletableFuture<Path> png = gradFams.computeIfAbsent(l, f -> CompletableFuture.supplyAsync(() -> {
            Path file = bundle.file("gradfam/feature-" + f + ".png");
            if (!isFresh(file)) {
                int count = Math.min(GRADFAM_IMAGES, catalog.features().get(f).topSamples().size());
                new Validation(Device.cpu(), Progress.NONE).gradFam(bundle, data, f, Math.max(1, count));
            }
            return file;
        }, gradFamThread));
        // A failure is not cached: the next request tries again.
        png.whenComplete((file, failure) -> {
            if (failure != null) {
                gradFams.remove(l, png);
            }
        });
        return png.thenApply(file -> {
            try {
                return HttpResponse.create().withEntity(HttpEntities.create(
                        ContentTypes.create(MediaTypes.IMAGE_PNG), Files.readAllBytes(file)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Whether a derived file exists and is no older than the SAE and catalog it was derived from. */
    private boolean isFresh(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return false;
            }
            for (String source : List.of("sae.npz", "catalog.json")) {
                Path s = bundle.file(source);
                if (!s.equals(file) && Files.isRegularFile(s)
                        && Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(s)) < 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private CompletionStage<HttpResponse> state() {
        return edits.current().thenApply(s -> json(StatusCodes.OK, view(s), etag(s)));
    }

    private CompletionStage<HttpResponse> history() {
        return edits.history().thenApply(entries -> json(StatusCodes.OK, new HistoryView(model, entries.stream()
                .map(OperatorApi::view).toList())));
    }

    private CompletionStage<HttpResponse> apply(byte[] bytes, OptionalLong expected) {
        EditBody body = parse(bytes, EditBody.class);
        EditProposal proposal = new EditProposal(body.edit(), body.author(), body.reason());
        return edits.apply(proposal, expected).thenApply(s -> {
            ActiveEdit added = s.active().stream().filter(a -> a.version() == s.version()).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the registry's version " + s.version()
                            + " names no active edit"));
            return json(StatusCodes.CREATED, new Applied(added.id(), s.version(), view(s)), etag(s));
        });
    }

    private CompletionStage<HttpResponse> set(byte[] bytes, OptionalLong expected) {
        SetBody body = parse(bytes, SetBody.class);
        if (body.name() == null || body.edits() == null || body.edits().contains(null)) {
            throw new ApiException("BAD_REQUEST", "a set needs \"name\" and \"edits\" (a list of edits, may be "
                    + "empty); \"author\" and \"reason\" are optional");
        }
        List<EditProposal> proposals = new ArrayList<>();
        for (EditBody e : body.edits()) {
            proposals.add(new EditProposal(e.edit(), e.author() != null ? e.author() : body.author(),
                    e.reason() != null ? e.reason() : body.reason()));
        }
        return edits.set(body.name(), proposals, body.author(), body.reason(), expected)
                .thenApply(s -> json(StatusCodes.OK, view(s), etag(s)));
    }

    private CompletionStage<HttpResponse> revert(String id, String author, String reason, OptionalLong expected) {
        return edits.revert(id, author, reason, expected)
                .thenApply(s -> json(StatusCodes.OK, view(s), etag(s)));
    }

    private CompletionStage<HttpResponse> revertAll(String author, String reason, OptionalLong expected) {
        return edits.revertAll(author, reason, expected)
                .thenApply(s -> json(StatusCodes.OK, view(s), etag(s)));
    }

    /** Predicted effect of one more edit on the test split, from its logit paths; nothing is applied. */
    private CompletionStage<HttpResponse> preview(byte[] bytes) {
        EditBody body = parse(bytes, EditBody.class);
        Edit edit = body.edit();
        return edits.current().thenApplyAsync(s -> {
            Head served = s.editSet().apply(head, sae);
            EditPreview p = EditPreview.of(served, sae, edit, settings.maxAlpha(), test.rows(), test.labels());
            List<String> names = bundle.metadata().classNames();
            List<ClassPreview> classes = IntStream.range(0, names.size()).mapToObj(k -> new ClassPreview(k,
                    names.get(k), p.support()[k], finite(p.accuracyBefore(k)), finite(p.accuracyAfter(k)),
                    p.flipped()[k], p.changed()[k])).toList();
            return json(StatusCodes.OK, new PreviewView(model, s.version(), body, "test", test.count(),
                    finite(p.overallBefore()), finite(p.overallAfter()), classes));
        }, blocking);
    }

    /**
     * Synchronous inference: the body and the answer are a Kafka request and its result record, byte for byte the
     * same codecs. Refused requests get the result record's error (which is also the API's error shape, plus id).
     */
    private CompletionStage<HttpResponse> infer(byte[] bytes) {
        InferenceRequest request;
        try {
            request = codec.decode(bytes, System.nanoTime());
        } catch (RequestCodec.BadRequest e) {
            StatusCode status = STATUS.containsKey(e.code()) ? STATUS.get(e.code()) : StatusCodes.BAD_REQUEST;
            return done(result(status, InferenceResult.failure(e.id(), e.code(), e.getMessage())));
        }
        return infer.infer(request).toCompletableFuture().copy()
                .orTimeout(settings.inferTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((r, failure) -> {
                    if (failure == null) {
                        return result(r.failed() ? STATUS.getOrDefault(r.error().code(),
                                StatusCodes.INTERNAL_SERVER_ERROR) : StatusCodes.OK, r);
                    }
                    Throwable cause = unwrap(failure);
                    InferenceResult failed = cause instanceof TimeoutException
                            ? InferenceResult.failure(request.id(), "TIMEOUT", "no answer within "
                            + settings.inferTimeout().toMillis() + " ms")
                            : cause instanceof SalveException se
                            ? InferenceResult.failure(request.id(), se.code(), se.getMessage())
                            : InferenceResult.failure(request.id(), "INFERENCE_FAILED", String.valueOf(cause));
                    return result(STATUS.getOrDefault(failed.error().code(), StatusCodes.INTERNAL_SERVER_ERROR),
                            failed);
                });
    }

    private static HttpResponse result(StatusCode status, InferenceResult result) {
        return HttpResponse.create().withStatus(status)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ResultCodec.encode(result)));
    }

    // ---- JSON ---------------------------------------------------------------------------------------------------

    /** Parses a body: BAD_JSON when it is not JSON, BAD_REQUEST when it is JSON of the wrong shape. */
    private static <T> T parse(byte[] bytes, Class<T> type) {
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new ApiException("BAD_JSON", "the body is not valid JSON: " + message(e));
        }
        if (tree == null || tree.isMissingNode() || !tree.isObject()) {
            throw new ApiException("BAD_JSON", "the body must be a JSON object");
        }
        try {
            return JSON.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new ApiException("BAD_REQUEST", "the body does not fit: " + message(e));
        }
    }

    private static String message(IOException e) {
        return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }

    private StateView view(EditState s) {
        return new StateView(model, s.version(), s.setName(), s.active().stream().map(EditView::of).toList());
    }

    private static HistoryEntryView view(HistoryEntry h) {
        return new HistoryEntryView(h.version(), h.kind(), h.at().toString(), h.author(), h.reason(),
                h.applied().stream().map(EditView::of).toList(), h.reverted());
    }

    /** The registry version as an entity tag: what If-Match takes back. */
    private static HttpHeader etag(EditState s) {
        return RawHeader.create("ETag", "\"" + s.version() + "\"");
    }

    private static Double finite(double v) {
        return Double.isNaN(v) ? null : v;
    }

    static HttpResponse json(StatusCode status, Object body, HttpHeader... headers) {
        try {
            return HttpResponse.create().withStatus(status).addHeaders(List.of(headers))
                    .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static HttpResponse error(StatusCode status, String code, String message) {
        return json(status, new ErrorBody(new InferenceResult.Error(code, message)));
    }

    private static CompletionStage<HttpResponse> done(HttpResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    // ---- errors -------------------------------------------------------------------------------------------------

    private ExceptionHandler exceptions() {
        return ExceptionHandler.newBuilder().matchAny(failure -> {
            Throwable cause = unwrap(failure);
            if (cause instanceof ApiException e) {
                return complete(error(e.status, e.code, e.getMessage()));
            }
            if (cause instanceof SalveException e) {
                return complete(error(STATUS.getOrDefault(e.code(), StatusCodes.INTERNAL_SERVER_ERROR), e.code(),
                        e.getMessage()));
            }
            // A streamed body over the limit fails while it is read; Pekko reports that as a 400 "Request too large".
            if (cause instanceof EntityStreamSizeException || cause instanceof IllegalRequestException e
                    && (e.status().intValue() == 413 || e.info().summary().startsWith("Request too large"))) {
                return complete(tooLarge());
            }
            if (cause instanceof IllegalRequestException e) {
                return complete(error(e.status(), "BAD_REQUEST", e.info().formatPretty()));
            }
            LOG.error("operator API request failed", cause);
            return complete(error(StatusCodes.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", String.valueOf(cause)));
        }).build();
    }

    /** Pekko's own rejections (unknown path, wrong method, ...) with their status, in the API's error shape. */
    private static RejectionHandler rejections() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
            int status = response.status().intValue();
            String code = switch (status) {
                case 404 -> "NOT_FOUND";
                case 405 -> "METHOD_NOT_ALLOWED";
                case 413 -> "TOO_LARGE";
                case 400 -> "BAD_REQUEST";
                default -> "HTTP_" + status;
            };
            String message = response.entity() instanceof HttpEntity.Strict strict
                    ? strict.getData().utf8String() : response.status().reason();
            return error(response.status(), code, message).addHeaders(response.getHeaders());
        });
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
