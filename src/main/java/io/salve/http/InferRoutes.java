package io.salve.http;

import io.salve.core.SalveException;
import io.salve.serve.InferenceRequest;
import io.salve.serve.InferenceResult;
import io.salve.serve.InferenceService;
import io.salve.wire.RequestCodec;
import io.salve.wire.RequestRouter;
import io.salve.wire.ResultCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/infer[?model=NAME]}, synchronous inference (the body's {@code model}, else the parameter's, else the default model): the body and the answer are a Kafka request and its result record,
 * byte for byte the same codecs. A refused request gets the result record's error, which is also the API's error
 * shape, plus the request's id.
 */
final class InferRoutes extends AllDirectives {

    private final RequestRouter codec;
    private final InferenceService infer;
    private final Duration timeout;
    private final BearerAuth auth;
    private final RequestBodies bodies;
    private final Consumer<InferenceResult> answered;

    /** @param answered told every result this route answers with (metrics, windows), as the Kafka stream does */
    InferRoutes(RequestRouter codec, InferenceService infer, Duration timeout, BearerAuth auth, RequestBodies bodies,
                Consumer<InferenceResult> answered) {
        this.codec = codec;
        this.infer = infer;
        this.timeout = timeout;
        this.auth = auth;
        this.bodies = bodies;
        this.answered = answered;
    }

    Route routes() {
        return path("infer", () -> post(() -> auth.read(() -> parameterOptional("model", model ->
                bodies.bytes(bytes -> completeWithFuture(answer(bytes, model.orElse(null))))))));
    }

    private CompletionStage<HttpResponse> answer(byte[] bytes, String model) {
        InferenceRequest request;
        try {
            request = codec.decode(bytes, System.nanoTime(), model);
        } catch (RequestCodec.BadRequest e) {
            InferenceResult refused = InferenceResult.failure(e.id(), null, e.code(), e.getMessage());
            answered.accept(refused);
            return CompletableFuture.completedFuture(
                    result(ApiErrors.status(e.code(), StatusCodes.BAD_REQUEST), refused));
        }
        return infer.infer(request).toCompletableFuture().copy()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((r, failure) -> {
                    if (failure == null) {
                        answered.accept(r);
                        return result(r.failed() ? ApiErrors.status(r.error().code()) : StatusCodes.OK, r);
                    }
                    Throwable cause = ApiErrors.unwrap(failure);
                    InferenceResult failed = cause instanceof TimeoutException
                            ? InferenceResult.failure(request.id(), request.model(), "TIMEOUT", "no answer within "
                            + timeout.toMillis() + " ms")
                            : cause instanceof SalveException se
                            ? InferenceResult.failure(request.id(), request.model(), se.code(), se.getMessage())
                            : InferenceResult.failure(request.id(), request.model(), "INFERENCE_FAILED", String.valueOf(cause));
                    answered.accept(failed);
                    return result(ApiErrors.status(failed.error().code()), failed);
                });
    }

    private static HttpResponse result(StatusCode status, InferenceResult result) {
        return HttpResponse.create().withStatus(status)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ResultCodec.encode(result)));
    }
}
