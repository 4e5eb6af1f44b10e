package io.salve.wire;

import io.salve.data.Resize;
import io.salve.kafka.JsonSchemas;
import io.salve.model.InputSpec;
import io.salve.serve.InferenceRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestCodecTest {

    private static final int[] SHAPE = {1, 28, 28};
    private static final int N = 28 * 28;
    private static final InputSpec GREY = ImageDecoderTest.spec(1, 28, 28, Resize.SQUASH);
    private final RequestCodec codec = new RequestCodec(GREY, 10, 64 * 1024, "demo");

    // ------------------------------------------------------------------------------------------------ good input

    @Test
    void decodesUint8Tensor() throws Exception {
        byte[] pixels = randomBytes(N, 1);
        byte[] json = RequestCodec.encodeUint8("r-1", SHAPE, pixels, 0, 7);
        JsonSchemas.REQUEST.assertValid(json);
        InferenceRequest r = codec.decode(json, 42L);
        assertEquals("r-1", r.id());
        assertEquals(7, r.label());
        assertEquals(42L, r.receivedNanos());
        assertEquals(N, r.pixels().length);
        for (int i = 0; i < N; i++) {
            assertEquals((pixels[i] & 0xff) / 255f, r.pixels()[i], 0f);
        }
    }

    @Test
    void decodesFloat32TensorExactly() throws Exception {
        float[] pixels = new float[N];
        Random rnd = new Random(2);
        for (int i = 0; i < N; i++) {
            pixels[i] = rnd.nextFloat();
        }
        pixels[0] = 0f;
        pixels[1] = 1f;
        byte[] json = RequestCodec.encodeFloat32("r-2", SHAPE, pixels, null);
        JsonSchemas.REQUEST.assertValid(json);
        InferenceRequest r = codec.decode(json, 0);
        assertArrayEquals(pixels, r.pixels());
        assertNull(r.label());
    }

    @Test
    void acceptsBatchOfOneShapeModelFieldAndUnknownFields() throws Exception {
        String data = Base64.getEncoder().encodeToString(new byte[N]);
        byte[] json = ("{\"id\":\"a\",\"model\":\"demo\",\"extra\":{\"x\":1},\"label\":null,"
                + "\"tensor\":{\"dtype\":\"uint8\",\"shape\":[1,1,28,28],\"data\":\"" + data + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        JsonSchemas.REQUEST.assertInvalid(json);   // label null: the schema is stricter than the codec here
        InferenceRequest r = codec.decode(json, 0);
        assertEquals("a", r.id());
        assertNull(r.label());
    }

    @Test
    void anImageRequestDecodesAsImageDecoderDoes() throws Exception {
        byte[] png = ImageDecoderTest.gradient("png");
        byte[] json = RequestCodec.encodeImage("img", png, 3);
        JsonSchemas.REQUEST.assertValid(json);
        InferenceRequest r = codec.decode(json, 0);
        assertArrayEquals(ImageDecoder.decode(png, GREY), r.pixels(), 0f);
        assertEquals(3, r.label());
    }

    /** An RGB bundle that crops: an odd-sized image becomes exactly its InputSpec's pixels; a tensor must be C x H x W. */
    @Test
    void anRgbModelTakesImagesOfAnySizeButTensorsOfItsShapeOnly() throws Exception {
        InputSpec rgb = ImageDecoderTest.spec(3, 31, 27, Resize.SHORTER_SIDE_CROP);
        RequestCodec codec = new RequestCodec(rgb, 4, 1 << 20, "demo");
        Path file = Path.of("src/test/resources/import/images/odd-45x38.png");
        InferenceRequest r = codec.decode(RequestCodec.encodeImage("odd", Files.readAllBytes(file), 2), 0);
        byte[] expected = rgb.pixels(ImageIO.read(file.toFile()));
        assertEquals(expected.length, r.pixels().length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals((expected[i] & 0xff) / 255f, r.pixels()[i], 0f, "pixel " + i);
        }
        int[] shape = {3, 31, 27};
        byte[] pixels = randomBytes(3 * 31 * 27, 5);
        assertEquals((pixels[100] & 0xff) / 255f,
                codec.decode(RequestCodec.encodeUint8("t", shape, pixels, 0, null), 0).pixels()[100], 0f);
        for (int[] wrong : new int[][] {{3, 27, 31}, {1, 31, 27}, {3, 31, 28}}) {
            RequestCodec.BadRequest e = assertThrows(RequestCodec.BadRequest.class, () -> codec.decode(
                    RequestCodec.encodeUint8("w", wrong, new byte[wrong[0] * wrong[1] * wrong[2]], 0, null), 0));
            assertEquals("BAD_SHAPE", e.code());
            assertEquals("w", e.id());
        }
    }

    // ------------------------------------------------------------------------------------------------ bad input

    @Test
    void tooLargeIsRejectedBeforeParsing() {
        byte[] big = new byte[64 * 1024 + 1];   // not even JSON
        RequestCodec.BadRequest e = reject("TOO_LARGE", big);
        assertNull(e.id());
    }

    @Test
    void badJson() {
        reject("BAD_JSON", new byte[0]);
        reject("BAD_JSON", (byte[]) null);
        reject("BAD_JSON", "not json");
        reject("BAD_JSON", "[1, 2]");
        reject("BAD_JSON", "\"id\"");
        reject("BAD_JSON", "{\"id\": \"a\"");
        reject("BAD_JSON", "{\"id\": \"a\"} {}");
        reject("BAD_JSON", "{\"id\": \"a\", \"id\": \"b\"}");
        reject("BAD_JSON", new byte[] {(byte) 0xff, (byte) 0xfe, 0x00});
    }

    @Test
    void missingField() {
        String t = tensor("uint8", "[1,28,28]", b64(new byte[N]));
        assertNull(reject("MISSING_FIELD", "{" + t + "}").id());
        assertNull(reject("MISSING_FIELD", "{\"id\": null, " + t + "}").id());
        assertEquals("a", reject("MISSING_FIELD", "{\"id\": \"a\"}").id());
        reject("MISSING_FIELD", "{\"id\":\"a\",\"tensor\":{\"shape\":[1,28,28],\"data\":\"\"}}");
        reject("MISSING_FIELD", "{\"id\":\"a\",\"tensor\":{\"dtype\":\"uint8\",\"data\":\"\"}}");
        reject("MISSING_FIELD", "{\"id\":\"a\",\"tensor\":{\"dtype\":\"uint8\",\"shape\":[1,28,28]}}");
    }

    @Test
    void badField() {
        String t = tensor("uint8", "[1,28,28]", b64(new byte[N]));
        assertNull(reject("BAD_FIELD", "{\"id\": 5, " + t + "}").id());
        reject("BAD_FIELD", "{\"id\": \"\", " + t + "}");
        reject("BAD_FIELD", "{\"id\": \"" + "x".repeat(257) + "\", " + t + "}");
        assertEquals("a", reject("BAD_FIELD", "{\"id\": \"a\", \"model\": 1, " + t + "}").id());
        reject("BAD_FIELD", "{\"id\": \"a\", \"label\": \"3\", " + t + "}");
        reject("BAD_FIELD", "{\"id\": \"a\", \"label\": 2.5, " + t + "}");
        reject("BAD_FIELD", "{\"id\": \"a\", \"tensor\": \"abc\"}");
        reject("BAD_FIELD", "{\"id\":\"a\",\"tensor\":{\"dtype\":8,\"shape\":[1,28,28],\"data\":\"\"}}");
        reject("BAD_FIELD", "{\"id\":\"a\",\"tensor\":{\"dtype\":\"uint8\",\"shape\":\"1x28x28\",\"data\":\"\"}}");
        reject("BAD_FIELD", "{\"id\":\"a\",\"tensor\":{\"dtype\":\"uint8\",\"shape\":[1,28.5,28],\"data\":\"\"}}");
        reject("BAD_FIELD", "{\"id\":\"a\",\"tensor\":{\"dtype\":\"uint8\",\"shape\":[1,28,28],\"data\":[1,2]}}");
        reject("BAD_FIELD", "{\"id\": \"a\", \"image\": 12}");
        reject("BAD_FIELD", "{\"id\": \"a\", \"image\": \"AAAA\", " + t + "}");
        JsonSchemas.REQUEST.assertInvalid(("{\"id\": \"a\", \"image\": \"AAAA\", " + t + "}")
                .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void badShapeDtypeBase64Length() {
        String data = b64(new byte[N]);
        assertEquals("a", reject("BAD_SHAPE", "{\"id\":\"a\"," + tensor("uint8", "[1,28,27]", data) + "}").id());
        reject("BAD_SHAPE", "{\"id\":\"a\"," + tensor("uint8", "[3,28,28]", data) + "}");
        reject("BAD_SHAPE", "{\"id\":\"a\"," + tensor("uint8", "[28,28]", data) + "}");
        reject("BAD_SHAPE", "{\"id\":\"a\"," + tensor("uint8", "[2,1,28,28]", data) + "}");
        reject("BAD_SHAPE", "{\"id\":\"a\"," + tensor("uint8", "[]", data) + "}");
        reject("BAD_DTYPE", "{\"id\":\"a\"," + tensor("int16", "[1,28,28]", data) + "}");
        reject("BAD_DTYPE", "{\"id\":\"a\"," + tensor("UINT8", "[1,28,28]", data) + "}");
        reject("BAD_BASE64", "{\"id\":\"a\"," + tensor("uint8", "[1,28,28]", "!!not base64!!") + "}");
        reject("BAD_BASE64", "{\"id\":\"a\"," + tensor("uint8", "[1,28,28]", "AAAAA") + "}");
        reject("BAD_BASE64", "{\"id\":\"a\",\"image\":\"%%%\"}");
        reject("BAD_LENGTH", "{\"id\":\"a\"," + tensor("uint8", "[1,28,28]", b64(new byte[N - 1])) + "}");
        reject("BAD_LENGTH", "{\"id\":\"a\"," + tensor("float32", "[1,28,28]", data) + "}");
        reject("BAD_LENGTH", "{\"id\":\"a\"," + tensor("uint8", "[1,28,28]", "") + "}");
    }

    @Test
    void nonFiniteAndOutOfRangeFloats() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            assertEquals("f", reject("NON_FINITE", RequestCodec.encodeFloat32("f", SHAPE, withValue(bad), null)).id());
        }
        for (float bad : new float[] {1.0001f, -0.0001f, 255f, -1f}) {
            reject("OUT_OF_RANGE", RequestCodec.encodeFloat32("f", SHAPE, withValue(bad), null));
        }
    }

    @Test
    void deeplyNestedJsonIsRefusedWhileParsing() {
        // 32 levels at most: a bracket bomb costs the parser nothing beyond them.
        String deep = "{\"id\": \"d\", \"tensor\": " + "[".repeat(1000) + "]".repeat(1000) + "}";
        assertTrue(reject("BAD_JSON", deep).getMessage().contains("depth"));
        reject("BAD_SHAPE", "{\"id\": \"s\", \"tensor\": {\"dtype\": \"uint8\", \"shape\": [" + "1,".repeat(1000)
                + "1], \"data\": \"AAAA\"}}");
    }

    @Test
    void badImageKeepsTheRequestId() {
        assertEquals("i", reject("BAD_IMAGE", RequestCodec.encodeImage("i", randomBytes(500, 3), null)).id());
        reject("BAD_BASE64", "{\"id\": \"i\", \"image\": \"not base64!\"}");
    }

    @Test
    void badLabel() {
        String t = tensor("uint8", "[1,28,28]", b64(new byte[N]));
        assertEquals("a", reject("BAD_LABEL", "{\"id\": \"a\", \"label\": 10, " + t + "}").id());
        reject("BAD_LABEL", "{\"id\": \"a\", \"label\": -1, " + t + "}");
        reject("BAD_LABEL", "{\"id\": \"a\", \"label\": 99999999999, " + t + "}");
    }

    @Test
    void imageNeedsOneOrThreeChannels() throws IOException {
        RequestCodec four = new RequestCodec(ImageDecoderTest.spec(4, 28, 28, Resize.SQUASH), 10, 1 << 20, "demo");
        byte[] png = ImageDecoderTest.gradient("png");
        RequestCodec.BadRequest e = assertThrows(RequestCodec.BadRequest.class,
                () -> four.decode(RequestCodec.encodeImage("x", png, null), 0));
        assertEquals("BAD_FIELD", e.code());
    }

    @Test
    void schemaRejectsWhatTheCodecRejectsStructurally() {
        JsonSchemas.REQUEST.assertInvalid("{}".getBytes(StandardCharsets.UTF_8));
        JsonSchemas.REQUEST.assertInvalid("{\"id\":\"a\"}".getBytes(StandardCharsets.UTF_8));
        JsonSchemas.REQUEST.assertInvalid(("{\"id\":\"a\"," + tensor("int16", "[1,28,28]", "") + "}")
                .getBytes(StandardCharsets.UTF_8));
        JsonSchemas.REQUEST.assertInvalid(("{\"id\":1," + tensor("uint8", "[1,28,28]", "") + "}")
                .getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private RequestCodec.BadRequest reject(String code, String json) {
        return reject(code, json.getBytes(StandardCharsets.UTF_8));
    }

    private RequestCodec.BadRequest reject(String code, byte[] json) {
        RequestCodec.BadRequest e = assertThrows(RequestCodec.BadRequest.class, () -> codec.decode(json, 0),
                () -> "expected " + code + " for " + (json == null ? "null" : abbreviate(json)));
        assertEquals(code, e.code(), () -> e.getMessage() + " for " + abbreviate(json));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        return e;
    }

    private static String abbreviate(byte[] json) {
        String s = new String(json, StandardCharsets.UTF_8);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static String tensor(String dtype, String shape, String data) {
        return "\"tensor\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape + ", \"data\": \"" + data + "\"}";
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static float[] withValue(float v) {
        float[] p = new float[N];
        p[N / 2] = v;
        return p;
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aRequestForAnotherModelIsRefused() throws Exception {
        RequestCodec demo = new RequestCodec(GREY, 10, 64 * 1024, "demo");
        byte[] pixels = new byte[28 * 28];
        String ok = new String(RequestCodec.encodeUint8("m1", SHAPE, pixels, 0, null), StandardCharsets.UTF_8);
        assertEquals("m1", demo.decode(ok.replaceFirst("\\{", "{\"model\":\"demo\",").getBytes(StandardCharsets.UTF_8), 0).id());
        RequestCodec.BadRequest e = assertThrows(RequestCodec.BadRequest.class, () -> demo.decode(
                ok.replaceFirst("\\{", "{\"model\":\"resnet\",").getBytes(StandardCharsets.UTF_8), 0));
        assertEquals("UNKNOWN_MODEL", e.code());
        assertEquals("m1", e.id());
    }
}
