package io.salve.load;

import io.salve.wire.RequestCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/**
 * Malformed inputs for {@code chaos --faults fuzz}, each kind with the stable codes the service may answer it with:
 * Kafka request records (written as an attacker or a broken client would, not through our encoder) and operator API
 * calls. Deterministic for a seed.
 */
final class Fuzz {

    /** A malformed Kafka request record and the codes its error result may carry. */
    record Record(String kind, byte[] payload, Set<String> codes) {
    }

    /** A malformed HTTP call: method, path, headers (name, value pairs), body (null for none), and its codes. */
    record Call(String kind, String method, String path, List<String> headers, byte[] body, Set<String> codes) {
    }

    private static final int SIDE = 28;
    private final Random random;
    private final int maxRequestBytes;
    private final byte[] bombPng;
    private final byte[] giantHeaderPng;

    /** @param maxRequestBytes the service's {@code salve.kafka.max-request-bytes}: a record above it is TOO_LARGE */
    Fuzz(long seed, int maxRequestBytes) {
        this.random = new Random(seed);
        this.maxRequestBytes = maxRequestBytes;
        this.bombPng = png(new BufferedImage(8192, 8192, BufferedImage.TYPE_BYTE_GRAY));
        this.giantHeaderPng = giantHeader(100_000, 100_000);
    }

    /** The {@code n}th malformed record, its JSON id (where it has one) {@code id}. */
    Record record(long n, String id) {
        String q = "\"" + id + "\"";
        return switch ((int) (n % 17)) {
            case 0 -> new Record("random-bytes", bytes(1 + random.nextInt(2000)), Set.of("BAD_JSON"));
            case 1 -> {
                byte[] valid = RequestCodec.encodeUint8(id, new int[] {1, SIDE, SIDE}, bytes(SIDE * SIDE), 0, null);
                // Cut inside the object (after the id, so the answer can still carry it).
                int cut = valid.length / 2 + random.nextInt(valid.length / 2 - 1);
                yield new Record("truncated-json", Arrays.copyOf(valid, cut), Set.of("BAD_JSON"));
            }
            case 2 -> new Record("oversized-record", utf8("{\"id\":" + q + ",\"pad\":\""
                    + "x".repeat(maxRequestBytes) + "\"}"), Set.of("TOO_LARGE"));
            case 3 -> new Record("deep-json", utf8("{\"id\":" + q + ",\"tensor\":" + "[".repeat(5000)
                    + "]".repeat(5000) + "}"), Set.of("BAD_JSON"));
            case 4 -> new Record("wrong-dtype", tensor(q, "int64", "[1,28,28]", bytes(SIDE * SIDE * 8)),
                    Set.of("BAD_DTYPE"));
            case 5 -> new Record("nan-pixels", float32(q, Float.NaN), Set.of("NON_FINITE"));
            case 6 -> new Record("infinite-pixels", float32(q, Float.POSITIVE_INFINITY), Set.of("NON_FINITE"));
            case 7 -> new Record("wrong-shape", tensor(q, "uint8", "[3,28,28]", bytes(SIDE * SIDE)),
                    Set.of("BAD_SHAPE", "BAD_LENGTH"));
            case 8 -> new Record("giant-image-header", image(q, giantHeaderPng), Set.of("BAD_IMAGE"));
            case 9 -> new Record("decompression-bomb", image(q, bombPng), Set.of("BAD_IMAGE"));
            case 10 -> new Record("unknown-model", utf8("{\"id\":" + q + ",\"model\":\"no-such-model\",\"tensor\":"
                    + tensorBody("uint8", "[1,28,28]", bytes(SIDE * SIDE)) + "}"), Set.of("UNKNOWN_MODEL"));
            case 11 -> new Record("missing-id", utf8("{\"tensor\":" + tensorBody("uint8", "[1,28,28]",
                    bytes(SIDE * SIDE)) + "}"), Set.of("MISSING_FIELD"));
            case 12 -> new Record("bad-base64", utf8("{\"id\":" + q + ",\"tensor\":{\"dtype\":\"uint8\",\"shape\":"
                    + "[1,28,28],\"data\":\"%%%not base64%%%\"}}"), Set.of("BAD_BASE64"));
            case 13 -> new Record("not-an-object", utf8(random.nextBoolean() ? "[1,2,3]" : "42"), Set.of("BAD_JSON"));
            case 14 -> new Record("wrong-field-type", utf8("{\"id\":" + q + ",\"tensor\":\"pixels\"}"),
                    Set.of("BAD_FIELD"));
            case 15 -> new Record("label-out-of-range", utf8("{\"id\":" + q + ",\"label\":99,\"tensor\":"
                    + tensorBody("uint8", "[1,28,28]", bytes(SIDE * SIDE)) + "}"), Set.of("BAD_LABEL"));
            default -> new Record("pixels-out-of-range", float32(q, 2.5f), Set.of("OUT_OF_RANGE"));
        };
    }

    /** The {@code n}th malformed operator API call (the token is that of an operator; some calls drop it). */
    Call call(long n, String token) {
        List<String> auth = List.of("Authorization", "Bearer " + token);
        List<String> json = List.of("Authorization", "Bearer " + token, "Content-Type", "application/json");
        return switch ((int) (n % 14)) {
            case 0 -> new Call("edit-random-bytes", "POST", "/v1/edits", json, bytes(1 + random.nextInt(500)),
                    Set.of("BAD_JSON"));
            case 1 -> new Call("edit-deep-json", "POST", "/v1/edits", json, utf8("{\"feature\":"
                    + "[".repeat(3000) + "]".repeat(3000) + "}"), Set.of("BAD_JSON"));
            case 2 -> new Call("edit-unknown-feature", "POST", "/v1/edits", json, utf8("{\"feature\":"
                    + (100_000 + random.nextInt(1000)) + ",\"method\":\"salve\",\"direction\":\"suppress\","
                    + "\"alpha\":1}"), Set.of("UNKNOWN_FEATURE"));
            case 3 -> new Call("edit-bad-alpha", "POST", "/v1/edits", json, utf8("{\"feature\":1,\"method\":\"salve\","
                    + "\"direction\":\"suppress\",\"alpha\":" + (random.nextBoolean() ? "-1" : "1e9") + "}"),
                    Set.of("BAD_ALPHA"));
            case 4 -> new Call("edit-wrong-types", "POST", "/v1/edits", json, utf8("{\"feature\":\"one\","
                    + "\"method\":7,\"alpha\":[1]}"), Set.of("BAD_JSON", "BAD_REQUEST"));
            case 5 -> new Call("edit-unknown-method", "POST", "/v1/edits", json, utf8("{\"feature\":1,\"method\":"
                    + "\"magic\",\"direction\":\"suppress\",\"alpha\":1}"), Set.of("UNKNOWN_METHOD"));
            case 6 -> new Call("edit-no-token", "POST", "/v1/edits", List.of("Content-Type", "application/json"),
                    utf8("{\"feature\":1,\"method\":\"salve\",\"direction\":\"suppress\",\"alpha\":1}"),
                    Set.of("UNAUTHORIZED"));
            case 7 -> new Call("edit-bad-if-match", "POST", "/v1/edits", List.of("Authorization", "Bearer " + token,
                    "Content-Type", "application/json", "If-Match", "\"999999\""), utf8("{\"feature\":1,\"method\":"
                    + "\"salve\",\"direction\":\"suppress\",\"alpha\":1}"), Set.of("VERSION_CONFLICT"));
            case 8 -> new Call("set-not-a-list", "PUT", "/v1/edits", json, utf8("{\"name\":\"x\",\"edits\":7}"),
                    Set.of("BAD_JSON", "BAD_REQUEST"));
            case 9 -> new Call("revert-unknown", "DELETE", "/v1/edits/e" + (1_000_000 + n), auth, null,
                    Set.of("UNKNOWN_EDIT"));
            case 10 -> new Call("infer-garbage", "POST", "/v1/infer", json, bytes(1 + random.nextInt(500)),
                    Set.of("BAD_JSON"));
            case 11 -> new Call("infer-nan", "POST", "/v1/infer", json, float32("\"http-" + n + "\"", Float.NaN),
                    Set.of("NON_FINITE"));
            case 12 -> new Call("history-bad-page", "GET", "/v1/edits/history?limit=" + (random.nextBoolean()
                    ? "0" : "lots"), auth, null, Set.of("BAD_LIMIT"));
            default -> new Call("unknown-route", "GET", "/v1/" + Long.toHexString(random.nextLong()), auth, null,
                    Set.of("NOT_FOUND"));
        };
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private byte[] float32(String quotedId, float value) {
        ByteBuffer buf = ByteBuffer.allocate(SIDE * SIDE * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < SIDE * SIDE; i++) {
            buf.putFloat(random.nextFloat());
        }
        buf.putFloat(4 * random.nextInt(SIDE * SIDE), value);   // one bad pixel among good ones
        return tensor(quotedId, "float32", "[1,28,28]", buf.array());
    }

    private static byte[] tensor(String quotedId, String dtype, String shape, byte[] data) {
        return utf8("{\"id\":" + quotedId + ",\"tensor\":" + tensorBody(dtype, shape, data) + "}");
    }

    private static String tensorBody(String dtype, String shape, byte[] data) {
        return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data\":\""
                + Base64.getEncoder().encodeToString(data) + "\"}";
    }

    private static byte[] image(String quotedId, byte[] file) {
        return utf8("{\"id\":" + quotedId + ",\"image\":\"" + Base64.getEncoder().encodeToString(file) + "\"}");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] png(BufferedImage image) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PNG signature and an IHDR chunk claiming {@code width x height}, and nothing else: checked before decoding. */
    private static byte[] giantHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer file = ByteBuffer.allocate(8 + 4 + 17 + 4);
        file.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}).putInt(13).put(ihdr.array())
                .putInt((int) crc.getValue());
        return file.array();
    }
}
