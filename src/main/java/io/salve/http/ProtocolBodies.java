package io.salve.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The JSON objects of the Open Inference Protocol's REST API, field for field as the specification names them. */
final class ProtocolBodies {

    /**
     * {@link Json#MAPPER}'s reader that also reads {@code NaN} and {@code Infinity}: Python's {@code json.dumps}
     * writes them, and a tensor holding one deserves NON_FINITE rather than BAD_JSON.
     */
    private static final ObjectReader READER = Json.MAPPER.reader()
            .with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);

    private ProtocolBodies() {
    }

    record ServerMetadata(String name, String version, List<String> extensions) {
    }

    /** Shape dimensions of -1 are variable (the batch). */
    record TensorMetadata(String name, String datatype, List<Integer> shape) {
    }

    record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
                         List<TensorMetadata> outputs) {
    }

    record InferRequest(String id, Map<String, Object> parameters, List<RequestInput> inputs,
                        List<RequestOutput> outputs) {
    }

    /** {@code data} stays a tree: flat or nested, and checked element by element by {@link ProtocolTensors}. */
    record RequestInput(String name, List<Long> shape, String datatype, Map<String, Object> parameters,
                        JsonNode data) {
    }

    record RequestOutput(String name, Map<String, Object> parameters) {
    }

    record InferResponse(@JsonProperty("model_name") String modelName,
                         @JsonProperty("model_version") String modelVersion, String id, List<ResponseOutput> outputs) {
    }

    record ResponseOutput(String name, String datatype, List<Integer> shape, List<? extends Number> data) {
    }

    /** The repository index's request: {@code ready} true lists only the models ready for inference. */
    record IndexRequest(Boolean ready) {
    }

    /** {@code state} READY or UNAVAILABLE, {@code reason} why not. */
    record RepositoryModel(String name, String version, String state, String reason) {
    }

    /** The body of a repository load or unload. */
    record RepositoryRequest(Map<String, Object> parameters) {
    }

    /**
     * Reads a request body as {@link Json#parse} does (BAD_JSON when not a JSON object, BAD_REQUEST when one of the
     * wrong shape), but accepting non-finite numbers.
     */
    static <T> T parse(byte[] bytes, Class<T> type) {
        JsonNode tree;
        try {
            tree = READER.readTree(bytes);
        } catch (IOException e) {
            throw ProtocolErrors.refusal("BAD_JSON", "the body is not valid JSON: " + message(e));
        }
        if (tree == null || tree.isMissingNode() || !tree.isObject()) {
            throw ProtocolErrors.refusal("BAD_JSON", "the body must be a JSON object");
        }
        try {
            return Json.MAPPER.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw ProtocolErrors.refusal("BAD_REQUEST", "the body does not fit: " + misfit(e));
        } catch (JsonProcessingException e) {
            throw ProtocolErrors.refusal("BAD_REQUEST", "the body does not fit: " + message(e));
        }
    }

    /** An optional body: {@code empty} when there is none. */
    static <T> T parseOptional(byte[] bytes, Class<T> type, T empty) {
        return bytes.length == 0 ? empty : parse(bytes, type);
    }

    private static String message(IOException e) {
        return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }

    /** Where the body went wrong, in the protocol's field names rather than our classes'. */
    private static String misfit(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining()).replaceFirst("^\\.", "");
        if (e instanceof UnrecognizedPropertyException u) {
            return "unknown field \"" + path + "\" (the protocol's are " + u.getKnownPropertyIds() + ")";
        }
        return path.isEmpty() ? message(e) : "\"" + path + "\" is not of the protocol's type";
    }
}
