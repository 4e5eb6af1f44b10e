package io.salve.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.salve.serve.InferenceResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * JSON of the records the service writes: results ({@code schemas/result.schema.json}) and dead letters
 * ({@code schemas/dead-letter.schema.json}). Thread-safe.
 */
public final class ResultCodec {

    /**
     * A dead letter keeps at most this many bytes of the original payload, so that it stays under the broker's
     * default record limit (1 MiB) even when every byte needs a 6-character JSON escape.
     */
    public static final int MAX_ORIGINAL_BYTES = 128 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ResultCodec() { }

    /** The result as JSON; null fields are left out. */
    public static byte[] encode(InferenceResult result) {
        return encodeObject(result);
    }

    private static byte[] encodeObject(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a result written by {@link #encode} (unknown fields are ignored). */
    public static InferenceResult decode(byte[] json) {
        try {
            return JSON.readValue(json, InferenceResult.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a result record: " + e.getMessage(), e);
        }
    }

    /** {@link #deadLetter(byte[], String, String, String, String, int, long)} when the id is not known. */
    public static byte[] deadLetter(byte[] original, String code, String message, String topic, int partition,
                                    long offset) {
        return deadLetter(original, null, code, message, topic, partition, offset);
    }

    /**
     * A dead-letter record for a request that could not be decoded:
     * <pre>{@code
     * {"id": "r-1", "error": {"code": "BAD_SHAPE", "message": "..."},
     *  "source": {"topic": "salve.requests", "partition": 0, "offset": 42},
     *  "original": "{\"id\":\"r-1\",...}", "originalEncoding": "utf-8", "originalBytes": 3160,
     *  "truncated": false, "failedAt": "2026-11-24T10:00:00Z"}
     * }</pre>
     * The original payload is kept as a string when it is valid UTF-8, else as base64, cut to
     * {@link #MAX_ORIGINAL_BYTES}.
     *
     * @param id the request id when it could be read, else null
     */
    public static byte[] deadLetter(byte[] original, String id, String code, String message, String topic,
                                    int partition, long offset) {
        byte[] payload = original == null ? new byte[0] : original;
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        if (id != null) {
            root.put("id", id);
        }
        ObjectNode error = root.putObject("error");
        error.put("code", code);
        error.put("message", message == null ? "" : message);
        ObjectNode source = root.putObject("source");
        source.put("topic", topic);
        source.put("partition", partition);
        source.put("offset", offset);
        int keep = Math.min(payload.length, MAX_ORIGINAL_BYTES);
        String text = utf8Prefix(payload, keep);
        if (text != null) {
            root.put("original", text);
            root.put("originalEncoding", "utf-8");
        } else {
            root.put("original", Base64.getEncoder().encodeToString(Arrays.copyOf(payload, keep)));
            root.put("originalEncoding", "base64");
        }
        root.put("originalBytes", payload.length);
        root.put("truncated", keep < payload.length);
        root.put("failedAt", Instant.now().toString());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The first {@code keep} bytes (or up to 3 fewer, so as not to cut a character) as a string, when the whole
     * payload's prefix is valid UTF-8; else null.
     */
    private static String utf8Prefix(byte[] payload, int keep) {
        for (int cut = 0; cut <= (keep < payload.length ? 3 : 0) && cut <= keep; cut++) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(payload, 0, keep - cut))
                        .toString();
            } catch (CharacterCodingException e) {
                // try a shorter prefix (only when truncating) or fall back to base64
            }
        }
        return null;
    }
}
