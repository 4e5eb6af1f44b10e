package io.salve.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.salve.core.LatentSummary;
import io.salve.kafka.JsonSchemas;
import io.salve.serve.InferenceResult;
import io.salve.serve.Observation;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultCodecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static InferenceResult success() {
        return new InferenceResult("r-1", "demo", 3, "Dress", List.of(0.1f, 0.2f, 0.05f, 0.65f), 2L, "cpu-0",
                new InferenceResult.Timings(1.5, 2.25, 4.0), 3, null,
                new Observation(new float[] {0.5f, -2f, 0f, 1f}, LatentSummary.of(new float[] {0.5f, -2f, 0f, 1f}, 2,
                        0.1), 3, List.of()));
    }

    @Test
    void latentsGoToTheTelemetryRecordNotTheResult() {
        String result = new String(ResultCodec.encode(success()), StandardCharsets.UTF_8);
        assertFalse(result.contains("latents") || result.contains("l0"), result);
        byte[] telemetry = ObservationJson.telemetry(success());
        JsonSchemas.TELEMETRY.assertValid(telemetry);
        String json = new String(telemetry, StandardCharsets.UTF_8);
        // Strongest first by |z|: latent 1 (-2), then latent 3 (1); three of four fire above 0.1.
        assertTrue(json.contains("\"topLatents\":[{\"index\":1,\"value\":-2.0},{\"index\":3,\"value\":1.0}]")
                && json.contains("\"l0\":3"), json);
    }

    @Test
    void successRoundTripsAndValidates() throws Exception {
        byte[] json = ResultCodec.encode(success());
        JsonSchemas.RESULT.assertValid(json);
        JsonNode node = JSON.readTree(json);
        assertFalse(node.has("error"));
        assertFalse(node.has("failed"));
        assertEquals(3, node.get("prediction").intValue());
        assertEquals(4.0, node.at("/timings/totalMs").doubleValue());
        InferenceResult s = success();
        // Latents are telemetry, not part of the result record.
        assertEquals(new InferenceResult(s.id(), s.model(), s.prediction(), s.className(), s.probabilities(), s.editVersion(),
                s.replica(), s.timings(), s.label(), s.error(), null), ResultCodec.decode(json));
    }

    @Test
    void errorOmitsNullsAndValidates() throws Exception {
        byte[] json = ResultCodec.encode(InferenceResult.failure("r-2", "demo", "BAD_SHAPE", "wrong shape"));
        JsonSchemas.RESULT.assertValid(json);
        assertEquals("{\"id\":\"r-2\",\"model\":\"demo\",\"error\":{\"code\":\"BAD_SHAPE\",\"message\":\"wrong shape\"}}",
                new String(json, StandardCharsets.UTF_8));
        byte[] noId = ResultCodec.encode(InferenceResult.failure(null, null, "BAD_JSON", "not json"));
        JsonSchemas.RESULT.assertValid(noId);
        assertTrue(ResultCodec.decode(noId).failed());
    }

    @Test
    void schemaSeparatesSuccessFromError() {
        JsonSchemas.RESULT.assertInvalid("{\"id\":\"a\"}".getBytes(StandardCharsets.UTF_8));
        JsonSchemas.RESULT.assertInvalid(("{\"id\":\"a\",\"prediction\":1,\"error\":{\"code\":\"X\",\"message\":\"m\"}}")
                .getBytes(StandardCharsets.UTF_8));
        JsonSchemas.RESULT.assertInvalid("{\"id\":\"a\",\"error\":{\"code\":\"lower\",\"message\":\"m\"}}"
                .getBytes(StandardCharsets.UTF_8));
        JsonSchemas.RESULT.assertInvalid("{\"id\":\"a\",\"prediction\":1,\"surprise\":true}"
                .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void deadLetterKeepsUtf8PayloadAsText() throws Exception {
        byte[] original = "{\"id\":\"r-3\",\"tensor\":{\"dtype\":\"int16\"}} é".getBytes(StandardCharsets.UTF_8);
        byte[] json = ResultCodec.deadLetter(original, "r-3", "BAD_DTYPE", "bad dtype", "salve.requests", 2, 41L);
        JsonSchemas.DEAD_LETTER.assertValid(json);
        JsonNode node = JSON.readTree(json);
        assertEquals("r-3", node.get("id").textValue());
        assertEquals("BAD_DTYPE", node.at("/error/code").textValue());
        assertEquals("salve.requests", node.at("/source/topic").textValue());
        assertEquals(2, node.at("/source/partition").intValue());
        assertEquals(41L, node.at("/source/offset").longValue());
        assertEquals("utf-8", node.get("originalEncoding").textValue());
        assertEquals(new String(original, StandardCharsets.UTF_8), node.get("original").textValue());
        assertEquals(original.length, node.get("originalBytes").intValue());
        assertFalse(node.get("truncated").booleanValue());
    }

    @Test
    void deadLetterKeepsBinaryPayloadAsBase64() throws Exception {
        byte[] original = {(byte) 0xff, (byte) 0xfe, 0, 1, 2};
        byte[] json = ResultCodec.deadLetter(original, "BAD_JSON", "not JSON", "t", 0, 0L);
        JsonSchemas.DEAD_LETTER.assertValid(json);
        JsonNode node = JSON.readTree(json);
        assertFalse(node.has("id"));
        assertEquals("base64", node.get("originalEncoding").textValue());
        assertArrayEquals(original, Base64.getDecoder().decode(node.get("original").textValue()));
        JsonSchemas.DEAD_LETTER.assertValid(ResultCodec.deadLetter(null, "BAD_JSON", "empty", "t", 0, 0L));
    }

    @Test
    void deadLetterTruncatesLargePayloadsOnACharacterBoundary() throws Exception {
        String big = "é".repeat(ResultCodec.MAX_ORIGINAL_BYTES);   // 2 bytes each: twice the limit
        byte[] original = big.getBytes(StandardCharsets.UTF_8);
        byte[] json = ResultCodec.deadLetter(original, "TOO_LARGE", "too large", "t", 0, 7L);
        JsonSchemas.DEAD_LETTER.assertValid(json);
        assertTrue(json.length < 1024 * 1024);
        JsonNode node = JSON.readTree(json);
        assertEquals("utf-8", node.get("originalEncoding").textValue());
        assertTrue(node.get("truncated").booleanValue());
        assertEquals(original.length, node.get("originalBytes").intValue());
        assertEquals(ResultCodec.MAX_ORIGINAL_BYTES / 2, node.get("original").textValue().length());
    }
}
