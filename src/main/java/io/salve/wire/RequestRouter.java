package io.salve.wire;

import com.fasterxml.jackson.databind.JsonNode;
import io.salve.serve.InferenceRequest;
import java.util.function.Function;

/**
 * Decodes requests for several models: reads the envelope once ({@code id}, {@code model}), then the input with the
 * named model's {@link RequestCodec} (its shape, classes and image policy). A request that names no model goes to the
 * default one; one that names a model not served is refused with {@code UNKNOWN_MODEL}.
 */
public final class RequestRouter implements RequestDecoder {

    private final Function<String, RequestCodec> codecs;
    private final int maxBytes;

    /**
     * @param codecs   the codec of a served model by name ({@code null}: the default model), or null when none
     * @param maxBytes larger payloads are refused with {@code TOO_LARGE} before parsing
     */
    public RequestRouter(Function<String, RequestCodec> codecs, int maxBytes) {
        this.codecs = codecs;
        this.maxBytes = maxBytes;
    }

    @Override
    public InferenceRequest decode(byte[] json, long receivedNanos) throws RequestCodec.BadRequest {
        return decode(json, receivedNanos, null);
    }

    /**
     * @param model the model a request that names none is for (e.g. {@code ?model=} of /v1/infer); null: the
     *              default model. A request naming another one is refused ({@code BAD_FIELD}).
     */
    public InferenceRequest decode(byte[] json, long receivedNanos, String model) throws RequestCodec.BadRequest {
        JsonNode root = RequestCodec.parse(json, maxBytes);
        String id = RequestCodec.id(root);
        String named = RequestCodec.model(root, id);
        if (named != null && model != null && !named.equals(model)) {
            throw new RequestCodec.BadRequest("BAD_FIELD", "the request names model \"" + JsonFields.abbreviate(named)
                    + "\" but was sent for model \"" + JsonFields.abbreviate(model) + "\"", id);
        }
        model = named != null ? named : model;
        RequestCodec codec = codecs.apply(model);
        if (codec == null) {
            throw new RequestCodec.BadRequest("UNKNOWN_MODEL", model == null ? "no default model is being served"
                    : "model \"" + JsonFields.abbreviate(model) + "\" is not being served (GET /v1/models lists them)",
                    id);
        }
        return codec.decode(root, id, receivedNanos);
    }
}
