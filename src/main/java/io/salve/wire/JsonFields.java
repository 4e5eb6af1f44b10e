package io.salve.wire;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;

/** Reading the request's JSON fields with the codec's rejections (shared by the envelope and the tensor). */
final class JsonFields {

    private JsonFields() { }

    /** A field that is there and not JSON null, else null. */
    static JsonNode present(JsonNode obj, String field) {
        JsonNode n = obj.get(field);
        return n == null || n.isNull() ? null : n;
    }

    static JsonNode required(JsonNode obj, String path, String field, String id) throws RequestCodec.BadRequest {
        JsonNode n = present(obj, field);
        if (n == null) {
            throw new RequestCodec.BadRequest("MISSING_FIELD", "missing \"" + path + "\"", id);
        }
        return n;
    }

    static byte[] base64(String text, String path, String id) throws RequestCodec.BadRequest {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new RequestCodec.BadRequest("BAD_BASE64", "\"" + path + "\" is not valid base64: " + e.getMessage(),
                    id);
        }
    }

    /** A client's string cut for an error message. */
    static String abbreviate(String s) {
        return s.length() <= 32 ? s : s.substring(0, 32) + "...";
    }
}
