package io.salve.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.RequestEntity;

/** The API's one Jackson mapper: strict on what it reads (no unknown fields, no coercion), no nulls written. */
final class Json {

    /** Deeper than any body of this API: a bomb of brackets is refused while it is parsed (BAD_JSON). */
    static final int MAX_DEPTH = 16;

    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                    .build())
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private Json() {
    }

    static <T> Marshaller<T, RequestEntity> marshaller() {
        return Jackson.marshaller(MAPPER);
    }

    static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a request body. The body's content type is not checked (clients have always been free to leave it out):
     * BAD_JSON when it is not a JSON object, BAD_REQUEST when it is one of the wrong shape.
     */
    static <T> T parse(byte[] bytes, Class<T> type) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new ApiException("BAD_JSON", "the body is not valid JSON: " + message(e));
        }
        if (tree == null || !tree.isObject()) {
            throw new ApiException("BAD_JSON", "the body must be a JSON object");
        }
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new ApiException("BAD_REQUEST", "the body does not fit: " + message(e));
        }
    }

    private static String message(IOException e) {
        return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }
}
